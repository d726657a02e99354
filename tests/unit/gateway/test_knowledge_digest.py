"""Digest: what is open, grouping of decisions by topic, ordering by age, Markdown in any script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.gateway.knowledge.digest import (
    DigestAtom,
    Link,
    SourceMessage,
    build_digest,
    digest_json,
    render_markdown,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
DEPLOY, DB = ("t1", "Деплой"), ("t2", "Database")


def atom(
    atom_id: str, kind: str, days_ago: float, topics: list[tuple[str, str]] | None = None, **kw: object
) -> DigestAtom:
    return DigestAtom(
        id=atom_id,
        type=kind,
        title=kw.pop("title", f"{kind} {atom_id}"),  # type: ignore[arg-type]
        content="",
        confidence=0.9,
        approved=bool(kw.pop("approved", True)),
        created_at=NOW - timedelta(days=days_ago),
        topics=topics or [],
        sources=kw.pop("sources", []),  # type: ignore[arg-type]
    )


def test_decisions_in_the_window_are_grouped_by_their_best_topic_newest_first() -> None:
    atoms = [
        atom("d1", "decision", 1, [DEPLOY, DB]),
        atom("d2", "decision", 2, [DB]),
        atom("d3", "decision", 0.5, [DEPLOY]),
        atom("d4", "decision", 3),
        atom("old", "decision", 10, [DEPLOY]),
    ]
    digest = build_digest(atoms, [], now=NOW, days=7)
    assert [(name, [a.id for a in group]) for _, name, group in digest.decisions] == [
        ("Database", ["d2"]),
        ("Деплой", ["d3", "d1"]),
        ("No topic", ["d4"]),
    ]
    assert build_digest(atoms, [], now=NOW, days=14).decisions[1][2][-1].id == "old"


def test_problems_are_open_until_a_live_atom_solves_them_and_come_oldest_first() -> None:
    atoms = [atom("p1", "problem", 2), atom("b1", "blocker", 5), atom("p2", "problem", 1), atom("p3", "problem", 9)]
    links = [
        Link("p2", "solves", "solution", other_archived=False),
        Link("p3", "solves", "solution", other_archived=True),  # the solution was archived: still open
        Link("p1", "relates_to", "solution", other_archived=False),  # related is not solved
    ]
    digest = build_digest(atoms, links, now=NOW, days=7)
    assert [a.id for a in digest.open_problems] == ["p3", "b1", "p1"]
    capped = build_digest(atoms, links, now=NOW, days=7, limit=2)
    assert [a.id for a in capped.open_problems] == ["p3", "b1"] and capped.totals["open_problems"] == 3
    assert "…and 1 more.\n" in render_markdown(capped)


def test_questions_are_answered_by_a_linked_solution_or_insight_but_not_a_contradiction() -> None:
    atoms = [atom("q1", "question", 1), atom("q2", "question", 2), atom("q3", "question", 3)]
    links = [
        Link("q1", "relates_to", "insight", other_archived=False),
        Link("q2", "contradicts", "solution", other_archived=False),
        Link("q3", "relates_to", "idea", other_archived=False),
    ]
    digest = build_digest(atoms, links, now=NOW, days=7)
    assert [a.id for a in digest.open_questions] == ["q3", "q2"]


def test_markdown_keeps_ukrainian_and_english_text_and_escapes_markup() -> None:
    source = SourceMessage(
        key="telegram:-1001:7", text="Вирішили: деплой *лише* у вівторок\nOK?", author="Олена", sent_at=NOW
    )
    atoms = [
        atom("d1", "decision", 1, [DEPLOY], title="Деплоїмо у вівторок", sources=[source]),
        atom("b1", "blocker", 3, title="Staging DB [down]", approved=False),
    ]
    text = render_markdown(build_digest(atoms, [], now=NOW, days=7))
    assert text.startswith("# Knowledge digest: last 7 days (2026-11-25 – 2026-12-02)\n")
    assert "### Деплой\n- **Деплоїмо у вівторок** (2026-12-01)\n" in text
    assert "  > Олена, 2026-12-02 12:00: Вирішили: деплой \\*лише\\* у вівторок OK?\n" in text
    assert "- [blocker] **Staging DB \\[down\\]** — open 3 days (unreviewed)\n" in text
    assert text.endswith("## Open questions (oldest first)\nNone.\n")


def test_json_shape_carries_source_messages_and_ages() -> None:
    source = SourceMessage(key="k", text="t", author=None, sent_at=NOW)
    digest = build_digest([atom("p1", "problem", 4, [DB], sources=[source])], [], now=NOW, days=30)
    body = digest_json(digest)
    assert body["decisions"] == [] and body["topic"] is None
    (item,) = body["open_problems"]
    assert item["age_days"] == 4 and item["topics"] == [{"id": "t2", "name": "Database"}]
    assert item["source_messages"] == [{"key": "k", "text": "t", "author": None, "sent_at": NOW}]
