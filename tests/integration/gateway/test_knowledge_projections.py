"""Knowledge events from the extractor and from reviewers reach the read models; replay reproduces them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from services.gateway import projections
from services.gateway.projections.runner import replay
from shared.contracts import uuid7
from shared.contracts.knowledge import (
    AtomCreated,
    AtomTopic,
    AutoApprovalRuleChanged,
    EntityArchived,
    ExtractionCancelling,
    ExtractionCompleted,
    ExtractionQueued,
    ExtractionStarted,
    ScheduleChanged,
    ScheduleDeleted,
    ScheduleFired,
    TopicCreated,
    VersionCreated,
    VersionReviewed,
    topic_id_for,
)
from shared.testing.gateway import GatewayHarness

from .knowledge_events import KEYS, TOPIC, publish, run_events, seed_run, wait_until

KNOWLEDGE_TABLES = [
    "topics",
    "atoms",
    "atom_topics",
    "atom_links",
    "topic_versions",
    "atom_versions",
    "extraction_runs",
    "scheduled_extractions",
    "auto_approval_rules",
]


async def _rows(harness: GatewayHarness, sql: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await harness.pool.fetch(sql, *args)]  # type: ignore[attr-defined]


async def test_a_run_builds_topics_atoms_links_versions_and_marks_its_messages(harness: GatewayHarness) -> None:
    async with harness.serve():
        run_id, ids = await seed_run(harness)
        # One atom id twice in one batch (a redelivered command re-publishing it): the first wins, once.
        twin = AtomCreated(
            atom_id=uuid7(),
            type="idea",
            title="Перший",
            content="",
            confidence=0.8,
            topics=[AtomTopic(topic_id=ids["topic"]), AtomTopic(topic_id=ids["topic"], similarity=0.5)],
        )
        again = msgspec.structs.replace(twin, title="Другий")
        await harness.publisher.publish_many([(harness.publisher.envelope(e), None) for e in (twin, again)])
        await wait_until(harness, "SELECT 1 FROM atoms WHERE id = $1", twin.atom_id)
        # The same topic again (another run naming it differently cased) changes nothing.
        await publish(harness, [TopicCreated(topic_id=topic_id_for("deploy PIPELINE"), name="deploy PIPELINE")])
        await harness.publisher.emit(ExtractionCompleted(run_id=run_id, status="failed", error="late duplicate"))
        # A run the stage refuses before starting it (its chat is busy) ends cancelled, never started.
        refused = uuid7()
        await harness.publisher.emit(ExtractionQueued(run_id=refused, trigger="manual", message_keys=KEYS[:1]))
        await harness.publisher.emit(ExtractionCompleted(run_id=refused, status="cancelled", error="chat busy"))
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE id = $1 AND status = 'cancelled'", refused)
        assert await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT started_at IS NULL AND completed_at IS NOT NULL FROM extraction_runs WHERE id = $1", refused
        )

    (topic,) = await _rows(harness, "SELECT * FROM topics")
    assert topic["name"] == TOPIC and str(topic["id"]) == ids["topic"] and topic["color"] == "#3366ff"
    atoms = {r["type"]: r for r in await _rows(harness, "SELECT * FROM atoms")}
    assert set(atoms) == {"problem", "solution", "decision", "question", "idea"}
    assert atoms["idea"]["title"] == "Перший"
    (membership,) = await _rows(harness, "SELECT similarity FROM atom_topics WHERE atom_id = $1", atoms["idea"]["id"])
    assert membership["similarity"] == pytest.approx(0.5)
    assert len(await _rows(harness, "SELECT 1 FROM atom_versions WHERE atom_id = $1", atoms["idea"]["id"])) == 1
    del atoms["idea"]
    assert atoms["problem"]["source_message_keys"] == KEYS[:2] and not atoms["problem"]["approved"]
    links = await _rows(harness, "SELECT * FROM atom_links")
    assert [(str(x["source_atom_id"]), str(x["target_atom_id"]), x["link_type"]) for x in links] == [
        (ids["solution"], ids["problem"], "solves")
    ]
    assert len(await _rows(harness, "SELECT * FROM atom_topics WHERE topic_id = $1", topic["id"])) == 5
    versions = await _rows(harness, "SELECT atom_id, version, state, snapshot FROM atom_versions")
    assert {(v["version"], v["state"]) for v in versions} == {(1, "proposed")} and len(versions) == 5
    (topic_version,) = await _rows(harness, "SELECT version, state, snapshot FROM topic_versions")
    assert topic_version["state"] == "approved" and topic_version["snapshot"]["name"] == TOPIC
    run = (await _rows(harness, "SELECT * FROM extraction_runs WHERE id = $1", run_id))[0]
    assert run["status"] == "completed" and run["error"] is None  # the late 'failed' changed nothing
    assert (run["atoms_created"], run["prompt_tokens"], run["completion_tokens"], run["tokens_used"]) == (
        4,
        120,
        30,
        150,
    )
    assert run["started_at"] is not None and run["completed_at"] >= run["started_at"]
    messages = await _rows(harness, "SELECT key, topic_id, extraction_run_id FROM messages ORDER BY key")
    assert all(str(m["extraction_run_id"]) == run_id for m in messages)
    assert [str(m["topic_id"]) if m["topic_id"] else None for m in messages] == [ids["topic"]] * 3 + [None]


async def test_review_events_number_versions_in_stream_order_and_apply_only_proposed_ones(
    harness: GatewayHarness,
) -> None:
    async with harness.serve():
        _, ids = await seed_run(harness)
        problem = ids["problem"]
        edit = {"type": "blocker", "title": "Деплой блокує реліз", "content": "Помилка 500 на проді", "confidence": 1}
        other = {**edit, "title": "Second proposal"}
        await publish(
            harness,
            [
                # Both producers expected version 2: the stream order decides (2 and 3).
                VersionCreated(entity="atom", entity_id=problem, version=2, snapshot=edit, created_by="olena"),
                VersionCreated(entity="atom", entity_id=problem, version=2, snapshot=edit, created_by="olena"),
                VersionCreated(entity="atom", entity_id=problem, version=2, snapshot=other, created_by="ivan"),
                VersionCreated(entity="atom", entity_id=problem, version=5, snapshot={"title": "no type"}),
                VersionReviewed(entity="atom", entity_id=problem, version=2, reviewed_by="olena"),
                VersionReviewed(entity="atom", entity_id=problem, version=2, reviewed_by="again", reason="twice"),
            ],
        )
        await harness.publisher.emit(
            VersionReviewed(entity="atom", entity_id=problem, version=3, reviewed_by="olena", reason="duplicate"),
            event_type="knowledge.version_rejected",
        )
        # Auto-approval of the decision's first version, recorded as such.
        rule_id = uuid7()
        await harness.publisher.emit(
            VersionReviewed(
                entity="atom", entity_id=ids["decision"], version=1, reviewed_by="rule", auto=True, rule_id=rule_id
            )
        )
        await harness.publisher.emit(
            EntityArchived(entity="atom", entity_id=ids["question"], by="olena"), event_type="knowledge.atom_archived"
        )
        await wait_until(harness, "SELECT 1 FROM atoms WHERE archived")

    versions = await _rows(
        harness, "SELECT version, state, created_by, reviewed_by, reason FROM atom_versions WHERE atom_id = $1 "
        "ORDER BY version", problem,
    )  # fmt: skip
    assert [(v["version"], v["state"], v["created_by"]) for v in versions] == [
        (1, "proposed", "test"),
        (2, "approved", "olena"),
        (3, "rejected", "ivan"),
    ]
    assert versions[1]["reviewed_by"] == "olena" and versions[1]["reason"] is None  # the second approve: no-op
    assert versions[2]["reason"] == "duplicate"
    atom = (await _rows(harness, "SELECT * FROM atoms WHERE id = $1", problem))[0]
    assert (atom["type"], atom["title"], atom["confidence"], atom["approved"]) == (
        "blocker", "Деплой блокує реліз", 1.0, True,
    )  # fmt: skip
    assert atom["source_message_keys"] == KEYS[:2]  # absent from the edit: unchanged
    (auto,) = await _rows(harness, "SELECT * FROM atom_versions WHERE atom_id = $1", ids["decision"])
    assert auto["state"] == "approved" and auto["auto"] and str(auto["rule_id"]) == rule_id
    assert await harness.pool.fetchval("SELECT approved FROM atoms WHERE id = $1", ids["decision"])  # type: ignore[attr-defined]


async def test_runs_schedules_and_rules_follow_their_lifecycles(harness: GatewayHarness) -> None:
    schedule_id, rule_id, run_id = uuid7(), uuid7(), uuid7()
    due = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    async with harness.serve():
        await publish(
            harness,
            [
                ScheduleChanged(schedule_id=schedule_id, name="щоденно", cron="0 9 * * *", chats=["-1001"]),
                ScheduleChanged(schedule_id=uuid7(), name="щоденно", cron="0 10 * * *"),  # name taken: refused
                AutoApprovalRuleChanged(rule_id=rule_id, schedule_id=schedule_id, atom_types=["decision"]),
                AutoApprovalRuleChanged(rule_id=uuid7(), schedule_id=uuid7()),  # unknown schedule: refused
                ScheduleFired(schedule_id=schedule_id, run_id=run_id, due_at=due),
                ScheduleFired(schedule_id=schedule_id, run_id=run_id, due_at=due.replace(hour=8)),
                ExtractionQueued(run_id=run_id, trigger="scheduled:щоденно", schedule_id=schedule_id),
                ExtractionCancelling(run_id=run_id, requested_by="olena"),
                ExtractionStarted(run_id=run_id, trigger="scheduled:щоденно", message_count=12),
            ],
        )
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE started_at IS NOT NULL")
        (run,) = await _rows(harness, "SELECT * FROM extraction_runs")
        assert run["status"] == "cancelling" and str(run["schedule_id"]) == schedule_id
        assert run["cancel_requested_by"] == "olena" and run["message_count"] == 12
        await harness.publisher.emit(ExtractionCompleted(run_id=run_id, status="cancelled", messages_processed=3))
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE status = 'cancelled'")
        (schedule,) = await _rows(harness, "SELECT * FROM scheduled_extractions")
        assert schedule["last_run_at"] == due and schedule["chats"] == ["-1001"]
        (rule,) = await _rows(harness, "SELECT * FROM auto_approval_rules")
        assert rule["atom_types"] == ["decision"] and rule["min_confidence"] == pytest.approx(0.8)
        await publish(
            harness, [ScheduleChanged(schedule_id=schedule_id, name="щоденно", cron="0 9 * * *", active=False)]
        )
        await wait_until(harness, "SELECT 1 FROM scheduled_extractions WHERE NOT active")
        await harness.publisher.emit(ScheduleDeleted(schedule_id=schedule_id))
        await wait_until(harness, "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM scheduled_extractions)")
    assert await _rows(harness, "SELECT * FROM auto_approval_rules") == []  # went with its schedule


async def test_replay_reproduces_the_live_knowledge_read_models(harness: GatewayHarness) -> None:
    async with harness.serve():
        run_id, ids = await seed_run(harness)
        snapshot = {"name": "Deploy & release", "description": "CI/CD", "keywords": ["ci"], "color": "#00aa00"}
        await publish(
            harness,
            [
                VersionCreated(entity="topic", entity_id=ids["topic"], version=2, snapshot=snapshot, created_by="r"),
                VersionReviewed(entity="topic", entity_id=ids["topic"], version=2, reviewed_by="r"),
                ScheduleChanged(schedule_id=uuid7(), name="weekly", cron="0 9 * * 1"),
                AutoApprovalRuleChanged(rule_id=uuid7(), atom_types=["decision", "insight"], min_confidence=0.9),
            ],
        )
        await harness.publisher.emit(
            EntityArchived(entity="topic", entity_id=ids["topic"]), event_type="knowledge.topic_archived"
        )
        await wait_until(harness, "SELECT 1 FROM topics WHERE NOT active")
        await asyncio.sleep(0.2)
    tables = [*KNOWLEDGE_TABLES, "messages"]
    live = {t: await _dump(harness, t) for t in tables}
    await replay(harness.pool, projections.ALL)  # type: ignore[arg-type]
    rebuilt = {t: await _dump(harness, t) for t in tables}
    assert rebuilt == live
    assert live["topics"][0]["name"] == "Deploy & release" and not live["topics"][0]["active"]
    assert all(len(live[t]) > 0 for t in tables)
    events, _ = run_events(run_id)
    assert len(live["atoms"]) == sum(1 for e in events if type(e).__name__ == "AtomCreated")


async def _dump(harness: GatewayHarness, table: str) -> list[dict[str, Any]]:
    rows = await harness.pool.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")  # type: ignore[attr-defined]
    return [{k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in dict(r).items()} for r in rows]
