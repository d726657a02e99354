"""Noise API on a real gateway: statistics match the rows, overrides land in history, scoring on demand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.scorer.scoring import ScoringInput, score_message
from shared.contracts.noise_filtering import ClassificationOverridden
from shared.testing.gateway import TOKEN, GatewayHarness

from .scoring_seed import SCORES, ingested, scored, wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def seed_week(harness: GatewayHarness) -> datetime:
    """Messages over the last ten days in three chats, one unscored, one overridden; returns 'now'."""
    now = datetime.now(UTC).replace(microsecond=0)
    plan = [  # (chat, days ago, class or None for unscored)
        ("-1", 0, "signal"), ("-1", 0, "noise"), ("-1", 1, "noise"), ("-1", 3, "weak_signal"),
        ("-2", 0, "noise"), ("-2", 2, "noise"), ("-2", 2, "noise"), ("-2", 6, "signal"),
        ("-3", 1, "signal"), ("-3", 5, None), ("-3", 9, "noise"),  # nine days ago: outside the trend
    ]  # fmt: skip
    for n, (chat, days_ago, cls) in enumerate(plan):
        message = ingested(chat, n, now - timedelta(days=days_ago, minutes=n))
        await harness.publisher.emit(message)
        if cls:
            await harness.publisher.emit(scored(message, cls, score=SCORES[cls] + n / 1000))  # type: ignore[arg-type]

    # A person promotes one noise message in chat -2: stats must count it as signal.
    await harness.publisher.emit(
        ClassificationOverridden(key="telegram:-2:5", classification="signal", overridden_by="lead", overridden_at=now)
    )
    await wait_until(harness, "SELECT count(*) FROM messages WHERE classification_override IS NOT NULL", 1)
    await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NOT NULL", 10)
    return now


async def test_stats_match_the_rows_with_overrides_counted_as_their_new_class(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        now = await seed_week(harness)
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            stats = (await client.get("/api/v1/noise/stats")).json()
            two_days = (await client.get("/api/v1/noise/stats", params={"days": 2, "top": 1})).json()
            bad = await client.get("/api/v1/noise/stats", params={"days": 0})
        rows = await harness.pool.fetch("SELECT chat_id, sent_at, effective_classification AS c FROM messages")  # type: ignore[attr-defined]

    by_class = Counter(r["c"] for r in rows)
    assert stats["counts"] == {
        "signal": by_class["signal"],
        "weak_signal": by_class["weak_signal"],
        "noise": by_class["noise"],
    }
    assert stats["counts"] == {"signal": 4, "weak_signal": 1, "noise": 5}
    assert (stats["total"], stats["scored"], stats["unscored"], stats["overridden"]) == (11, 10, 1, 1)
    assert stats["signal_ratio"] == 0.4
    assert stats["thresholds"] == {"noise": 0.3, "signal": 0.6}

    today = now.date()
    assert [d["date"] for d in stats["trend"]] == [(today - timedelta(days=6 - i)).isoformat() for i in range(7)]
    for day in stats["trend"]:
        on_day = [r for r in rows if r["sent_at"].astimezone(UTC).date().isoformat() == day["date"]]
        assert day["total"] == len(on_day)
        assert day["noise"] == sum(r["c"] == "noise" for r in on_day)
        assert day["signal"] == sum(r["c"] == "signal" for r in on_day)
    week = [r for r in rows if r["sent_at"].astimezone(UTC).date() >= today - timedelta(days=6)]
    assert sum(d["total"] for d in stats["trend"]) == len(week) < len(rows)  # nine days ago is outside the week

    noisy = [(c["chat_id"], c["noise"], c["scored"]) for c in stats["top_noisy_chats"]]
    assert noisy == [("-1", 2, 4), ("-2", 2, 4), ("-3", 1, 2)]
    assert stats["top_noisy_chats"][0]["title"] == "Chat -1" and stats["top_noisy_chats"][0]["noise_ratio"] == 0.5
    assert len(two_days["trend"]) == 2 and len(two_days["top_noisy_chats"]) == 1
    assert bad.status_code == 400


async def test_the_trend_can_end_on_a_given_day_such_as_the_newest_messages(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        now = await seed_week(harness)
        until = now.date() - timedelta(days=5)
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            stats = (await client.get("/api/v1/noise/stats", params={"days": 5, "until": until.isoformat()})).json()
            for extreme in ("0001-01-01", "9999-12-31"):  # sent as ±infinity: a day series that never ends
                refused = await client.get("/api/v1/noise/stats", params={"until": extreme}, timeout=10)
                assert refused.status_code == 400 and "until must lie between" in refused.text, refused.text
        rows = await harness.pool.fetch("SELECT sent_at FROM messages")  # type: ignore[attr-defined]
    assert [d["date"] for d in stats["trend"]] == [(until - timedelta(days=4 - i)).isoformat() for i in range(5)]
    for day in stats["trend"]:
        assert day["total"] == sum(r["sent_at"].astimezone(UTC).date().isoformat() == day["date"] for r in rows)
    assert sum(d["total"] for d in stats["trend"]) == 3  # six and nine days ago (chat -2, -3) and five (chat -3)


async def test_distribution_bins_every_scored_message_once(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        await seed_week(harness)
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            dist = (await client.get("/api/v1/noise/distribution", params={"bins": 5})).json()
    assert [(b["start"], b["end"]) for b in dist["bins"]] == [
        (0.0, 0.2),
        (0.2, 0.4),
        (0.4, 0.6),
        (0.6, 0.8),
        (0.8, 1.0),
    ]
    assert dist["total"] == 10
    assert [b["count"] for b in dist["bins"]] == [6, 0, 1, 0, 3]
    # The histogram shows the scorer's labels; the override changes the class, not the score.
    assert dist["bins"][0]["by_class"] == {"signal": 0, "weak_signal": 0, "noise": 6}


async def test_override_via_api_is_an_event_kept_in_the_message_history(harness: GatewayHarness) -> None:
    message = ingested("-7", 1, datetime.now(UTC))
    async with harness.serve() as base:
        await harness.publisher.emit(message)
        await harness.publisher.emit(scored(message, "noise"))
        await wait_until(harness, "SELECT count(*) FROM message_classification_history", 1)
        url = f"/api/v1/messages/{message.key}/classification"
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            unauthorised = await client.post(url, json={"classification": "signal"}, headers={"Authorization": ""})
            by_token = await client.post(url, json={"classification": "weak_signal"}, headers=AUTH)
            named = await client.post(
                url, json={"classification": "signal", "reason": "a decision", "overridden_by": "olena"}, headers=AUTH
            )
            unknown = await client.post(
                "/api/v1/messages/telegram:-7:999/classification", json={"classification": "signal"}, headers=AUTH
            )
            invalid = await client.post(url, json={"classification": "important"}, headers=AUTH)
        await wait_until(harness, "SELECT count(*) FROM message_classification_history", 3)
        history = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT kind, classification, changed_by, reason FROM message_classification_history ORDER BY id"
        )
        row = await harness.pool.fetchrow("SELECT * FROM messages WHERE key = $1", message.key)  # type: ignore[attr-defined]

    assert unauthorised.status_code == 401
    assert by_token.status_code == 202 and by_token.json()["overridden_by"].startswith("token:")
    assert TOKEN not in by_token.text
    assert named.status_code == 202 and named.json()["overridden_by"] == "olena"
    assert unknown.status_code == 404
    assert invalid.status_code == 400 and "classification" in invalid.text
    assert [tuple(h) for h in history] == [
        ("score", "noise", None, None),
        ("override", "weak_signal", by_token.json()["overridden_by"], None),
        ("override", "signal", "olena", "a decision"),
    ]
    assert (row["classification"], row["effective_classification"], row["override_by"]) == ("noise", "signal", "olena")


async def test_score_one_text_gives_the_scorer_result_without_touching_the_bus(harness: GatewayHarness) -> None:
    text = "Дедлайн по міграції — п'ятниця 18:00, без неї реліз 2.4 не вийде"
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        result = (await client.post("/api/v1/noise/score", json={"text": text, "is_reply": True})).json()
        noise = (await client.post("/api/v1/noise/score", json={"text": "дякую!"})).json()
        missing = await client.post("/api/v1/noise/score", json={})
        too_long = await client.post("/api/v1/noise/score", json={"text": "x" * 20_001})
        events = await harness.pool.fetchval("SELECT count(*) FROM events")  # type: ignore[attr-defined]
    expected = score_message(ScoringInput(text=text, is_reply=True))
    assert (result["score"], result["classification"]) == (expected.score, expected.classification)
    assert result["factors"] == expected.factors and result["scorer"] == "heuristic"
    assert noise["classification"] == "noise"
    assert missing.status_code == 400 and too_long.status_code == 400
    assert events == 0


def _ids(spec: dict[str, Any]) -> set[str]:
    return {op["operationId"] for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)}


async def test_every_noise_route_has_an_operation_id(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        spec = (await client.get("/api/docs/openapi.json")).json()
    assert {
        "noiseStats",
        "noiseDistribution",
        "noiseScoreText",
        "noiseScoreUnscored",
        "messageOverrideClassification",
    } <= _ids(spec)
