import numpy as np

from services.extractor.matching import KnownAtom, KnownTopic, Thresholds, further_topics, match_atom, match_topic
from services.extractor.model import AtomDraft

T = Thresholds(topic_reuse=0.9, atom_version=0.95, atom_relate=0.92, topic_link=0.9)


def vec(cos: float) -> np.ndarray:
    """A unit vector at cosine `cos` to e1."""
    return np.array([cos, np.sqrt(max(0.0, 1 - cos * cos)), 0], dtype=np.float32)


E1 = np.array([1, 0, 0], dtype=np.float32)
DRAFT = AtomDraft(
    type="decision", title="Use PostgreSQL", content="We use PostgreSQL", confidence=0.9, message_keys=["m1"]
)


def known(kind: str = "decision", vector: np.ndarray = E1, **changes) -> KnownAtom:
    fields = {"id": "a1", "type": kind, "title": "Use PostgreSQL", "content": "We use PostgreSQL", "confidence": 0.9}
    fields.update(changes)
    return KnownAtom(message_keys=["m1"], vector=vector, **fields)


def test_the_same_atom_from_the_same_messages_is_nothing_new_unless_its_text_changed() -> None:
    assert match_atom(DRAFT, "a1", E1, [known()], T).kind == "same"
    changed = match_atom(DRAFT, "a1", E1, [known(content="old wording")], T)
    assert (changed.kind, changed.target_id) == ("version", "a1")


def test_a_near_identical_atom_of_the_same_type_becomes_a_version_above_the_threshold() -> None:
    decision = match_atom(DRAFT, "new", vec(0.97), [known(content="We picked PostgreSQL")], T)
    assert (decision.kind, decision.target_id) == ("version", "a1")
    assert match_atom(DRAFT, "new", vec(0.97), [known()], T).kind == "same"


def test_a_similar_atom_is_related_and_a_dissimilar_one_is_new() -> None:
    assert match_atom(DRAFT, "new", vec(0.93), [known()], T).kind == "relate"
    assert match_atom(DRAFT, "new", vec(0.97), [known(kind="risk")], T).kind == "relate"  # other type: no version
    assert match_atom(DRAFT, "new", vec(0.85), [known()], T).kind == "new"
    assert match_atom(DRAFT, "new", None, [known()], T).kind == "new"


def test_topics_are_reused_by_name_case_insensitively_or_by_similarity() -> None:
    topics = [KnownTopic(id="t1", name="Cache, Redis", vector=E1)]
    assert match_topic("cache,  REDIS", None, topics, T) is topics[0]
    assert match_topic("Кеш", vec(0.95), topics, T) is topics[0]
    assert match_topic("Deploy", vec(0.5), topics, T) is None


def test_an_atom_joins_at_most_five_further_topics_most_similar_first() -> None:
    topics = [KnownTopic(id=f"t{i}", name=str(i), vector=vec(0.91 + i * 0.01)) for i in range(7)]
    topics.append(KnownTopic(id="far", name="far", vector=vec(0.5)))
    chosen = further_topics(E1, topics, {"t6"}, T)
    assert [tid for tid, _ in chosen] == ["t5", "t4", "t3", "t2", "t1"]
