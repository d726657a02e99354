"""Scoring on the real bus and read model: live messages, context from the read model, batch scoring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from services.scorer import handlers
from services.scorer.app import build_stage
from services.scorer.context import AuthorRecord, smoothed_signal_ratio
from services.scorer.pipeline import Pending, ScoringPipeline
from services.scorer.scoring import NEUTRAL, Thresholds
from shared.bus.service import Stage
from shared.contracts.noise_filtering import ClassificationOverridden
from shared.testing.gateway import AUTH, TOKEN, GatewayHarness, ws_connect
from shared.testing.running import serving

from .scoring_seed import ingested, scored, wait_until
from .test_projection_and_ws import recv_events

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


async def test_an_ingested_message_flows_through_the_scorer_stage_to_a_scored_row_and_a_websocket_frame(
    harness: GatewayHarness,
) -> None:
    message = ingested(
        "-100", 1, datetime.now(UTC), text="Рішення: відкотили реліз 2.4, бо міграція 0042 падає з помилкою"
    )
    async with harness.serve() as base, serving(build_stage(harness.settings).app):
        async with ws_connect(base, "topics=noise_filtering") as ws:
            hello = json.loads(await ws.recv())
            assert hello["data"]["topics"] == ["noise_filtering"]
            await harness.publisher.emit(message)
            (frame,) = await recv_events(ws, 1, timeout=20)
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NOT NULL", 1)
        row = await harness.pool.fetchrow("SELECT * FROM messages WHERE key = $1", message.key)  # type: ignore[attr-defined]
        history = await harness.pool.fetch("SELECT kind FROM message_classification_history")  # type: ignore[attr-defined]
    assert frame["type"] == "noise_filtering.message_scored" and frame["data"]["key"] == message.key
    assert row["classification"] == frame["data"]["classification"] == "signal"
    assert abs(row["importance_score"] - frame["data"]["score"]) < 1e-6
    assert set(row["score_factors"]) == {"content", "author", "temporal", "topic"}
    assert [h["kind"] for h in history] == ["score"]


async def test_author_and_temporal_factors_come_from_the_read_model(harness: GatewayHarness) -> None:
    chat = "-200"
    seeds = [ingested(chat, n, T0 + timedelta(minutes=n), reply_to=None if n else 99) for n in range(5)]
    classes = ["signal", "signal", "signal", "noise", "noise"]
    async with harness.serve():
        for message, cls in zip(seeds, classes, strict=True):
            await harness.publisher.emit(message)
            await harness.publisher.emit(scored(message, cls))  # type: ignore[arg-type]
        # A person's override counts toward the author's record: effective classes are 4 signal, 1 noise.
        await harness.publisher.emit(
            ClassificationOverridden(key=seeds[3].key, classification="signal", overridden_by="qa", overridden_at=T0)
        )
        await wait_until(harness, "SELECT count(*) FROM messages WHERE effective_classification = 'signal'", 4)

    pipeline = ScoringPipeline(Thresholds(), pool=harness.pool)  # type: ignore[arg-type]
    later = T0 + timedelta(minutes=4, hours=2)
    new, stranger, edit = await pipeline.score(
        [
            Pending(
                key=f"telegram:{chat}:10",
                chat_id=chat,
                text=seeds[0].text,
                sent_at=later,
                observed_at=later,
                author="7",
            ),
            Pending(
                key="telegram:-201:1", chat_id="-201", text=seeds[0].text, sent_at=later, observed_at=later, author="8"
            ),
            # An edit carries neither send time, author nor reply: all three come from the stored message.
            Pending(key=seeds[0].key, chat_id=chat, text=seeds[0].text + " (edited)", observed_at=later),
        ]
    )
    expected_author = smoothed_signal_ratio(AuthorRecord(signal=4, total=5))
    assert expected_author is not None and abs(new.factors.author - expected_author) < 1e-9
    assert new.factors.temporal == NEUTRAL + 0.1  # first message after two quiet hours
    assert stranger.factors.author == NEUTRAL and stranger.factors.temporal == NEUTRAL
    assert edit.sent_at == seeds[0].sent_at
    assert edit.factors.temporal == NEUTRAL + 0.2  # the stored message is a reply; nothing came before it


async def test_score_unscored_command_scores_every_unscored_message_and_reports_the_batch(
    harness: GatewayHarness,
) -> None:
    total = 250
    # Only the command handler runs: the messages reach the read model without the live scorer seeing them,
    # as after a scorer outage or an import into an existing database.
    stage = Stage("scorer", harness.settings)
    handlers.register_pipeline(stage)
    handlers.register_commands(stage)
    async with harness.serve() as base:
        batch = [
            (harness.publisher.envelope(ingested("-300", n, T0 + timedelta(seconds=n))), None) for n in range(total)
        ]
        await harness.publisher.publish_many(batch)
        already = ingested("-300", 1000, T0)
        await harness.publisher.emit(already)
        await harness.publisher.emit(scored(already, "noise"))
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NULL", total)
        async with serving(stage.app), httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            denied = await client.post(
                "/api/v1/noise/score-batch", json={"batch_size": 100}, headers={"Authorization": ""}
            )
            accepted = await client.post(
                "/api/v1/noise/score-batch", json={"batch_size": 100}, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            await wait_until(harness, "SELECT count(*) FROM events WHERE type = 'noise_filtering.batch_scored'", 1)
            await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NULL", 0)
        summary = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT data FROM events WHERE type = 'noise_filtering.batch_scored'"
        )
        causation = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT causation_id FROM events WHERE type = 'noise_filtering.batch_scored'"
        )
        kept = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT importance_score FROM messages WHERE key = $1", already.key
        )
    assert denied.status_code == 401
    assert accepted.status_code == 202 and accepted.json()["batch_size"] == 100
    assert summary == {"found": total, "scored": total, "failed": 0}
    assert causation == accepted.json()["command_id"]
    assert abs(kept - 0.1) < 1e-6  # an already scored message is left alone
