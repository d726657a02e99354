from services.extractor.atoms import draft_atom, link_atoms, title_of
from services.extractor.model import MIN_CONFIDENCE, AtomDraft, SourceMessage


def msg(text: str, classification: str = "signal", score: float = 0.8, key: str = "k") -> SourceMessage:
    return SourceMessage(key=key, text=text, classification=classification, score=score)


def test_noise_never_becomes_an_atom_whatever_it_says() -> None:
    assert draft_atom(msg("Fixed the deploy pipeline by pinning the runner image", "noise"), None) is None
    for reaction in ("Дякую! 🙏", "+1", "ok thanks", "Спасибо, понял"):
        assert draft_atom(msg(reaction), None) is None


def test_a_weak_message_becomes_an_atom_only_when_a_rule_types_it_and_it_says_enough() -> None:
    assert draft_atom(msg("Так, вчора запускав", "weak_signal", 0.45), None) is None
    atom = draft_atom(msg("Чи можна збільшити таймаут вебхука до 30 секунд?", "weak_signal", 0.5), None)
    assert atom is not None and atom.type == "question"


def test_an_atom_keeps_its_provenance_title_and_content() -> None:
    text = "Знайшов! В app/webhooks/telegram.py немає виклику черги. Треба додати await broker.kiq(save)"
    atom = draft_atom(msg(text, key="telegram:1:10"), "Черга")
    assert atom is not None
    assert atom.message_keys == ["telegram:1:10"] and atom.topic == "Черга" and atom.content == text
    assert atom.title == "В app/webhooks/telegram.py немає виклику черги."
    assert atom.confidence >= MIN_CONFIDENCE


def test_titles_skip_reactions_join_list_headings_and_stay_within_200_characters() -> None:
    assert title_of("Good catch! Let's update the migration to set proper HNSW params") == (
        "Let's update the migration to set proper HNSW params"
    )
    assert title_of("Three options:\n1. Redis cache\n2. A table") == "Three options: Redis cache"
    assert (
        title_of("That's clean. What about concurrent writes? Any locks?", "question")
        == "What about concurrent writes?"
    )
    assert len(title_of("слово " * 100)) <= 200


def test_confidence_drops_for_weak_short_messages() -> None:
    strong = draft_atom(msg("Вирішили перейти на PostgreSQL для кешу ембедінгів", score=0.9), None)
    weak = draft_atom(msg("Чому не Redis?", "weak_signal", 0.4), None)
    assert strong is not None and strong.confidence > 0.85
    assert weak is None or weak.confidence < strong.confidence


def draft(kind: str, topic: str = "t") -> AtomDraft:
    return AtomDraft(type=kind, title=kind, content=kind, confidence=0.9, message_keys=[kind], topic=topic)  # type: ignore[arg-type]


def test_solutions_solve_the_problem_before_them_and_risks_contradict_ideas() -> None:
    atoms = [draft("problem"), draft("question"), draft("solution"), draft("idea"), draft("risk")]
    links = {(link.source, link.target, link.link_type) for link in link_atoms(atoms)}
    assert (2, 1, "solves") in links  # the latest open item it answers
    assert (4, 3, "contradicts") in links


def test_atoms_of_different_topics_are_never_linked_and_repeats_continue() -> None:
    atoms = [draft("problem", "a"), draft("solution", "b"), draft("insight", "b"), draft("insight", "b")]
    links = {(link.source, link.target, link.link_type) for link in link_atoms(atoms)}
    assert links == {(3, 2, "continues")}
