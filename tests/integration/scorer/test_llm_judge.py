"""The LLM judge against a real local OpenAI-compatible server: batching, validation and heuristic fallback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats
import pytest

from services.scorer.app import build_stage
from services.scorer.llm_judge import JudgeSource
from services.scorer.pipeline import Pending, ScoringPipeline
from services.scorer.scoring import Thresholds
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream
from shared.contracts import decode
from shared.contracts.messages import Author, MessageIngested
from shared.crypto import SecretBox
from shared.db import migrate
from shared.db.pool import create_pool
from shared.settings import Settings
from shared.testing.openai_server import OpenAICompatible, Reply
from shared.testing.running import serving

SECRET = "test secret key"
API_KEY = "sk-test-123"
MODEL = "judge-model"
THRESHOLDS = Thresholds()
FACTORS = {"knowledge_value": 0.9, "actionability": 0.8, "urgency": 0.4}
SUBSTANTIVE = [
    "Deploy of v2.3 failed: migration 0042 locks the orders table for 40s, rolling back",
    "Рішення: переносимо кеш у Redis, p95 зараз 450 мс",
    "Кто может посмотреть PR с фиксом таймаута вебхука?",
]


def inputs(body: dict[str, Any]) -> list[dict[str, str]]:
    return json.loads(body["messages"][-1]["content"])  # type: ignore[no-any-return]


def all_signal(body: dict[str, Any]) -> Reply:
    results = [
        {"id": m["id"], "score": 0.91, "classification": "signal", "reasoning": f"judged {m['id']}", "factors": FACTORS}
        for m in inputs(body)
    ]
    return json.dumps({"results": results})


@pytest.fixture
async def pool(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[asyncpg.Pool]:
    monkeypatch.setenv("TT_SECRET_KEY", SECRET)
    migrate.apply(database_url)
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


async def configure_judge(pool: asyncpg.Pool, base_url: str) -> None:
    """What the providers and agents API will store: a provider with an encrypted key, an agent using it."""
    provider = await pool.fetchval(
        """
        INSERT INTO llm_providers (name, type, base_url, api_key_encrypted, validation_status)
        VALUES ('test-llm', 'openai_compatible', $1, $2, 'connected') RETURNING id
        """,
        f"{base_url}/v1",
        SecretBox(SECRET).encrypt(API_KEY),
    )
    await pool.execute(
        """
        INSERT INTO agents (name, role, provider_id, model, temperature)
        VALUES ('my-scorer', 'importance_scorer', $1, $2, 0)
        """,
        provider,
        MODEL,
    )


def pending(texts: list[str]) -> list[Pending]:
    now = datetime.now(UTC)
    return [Pending(key=f"telegram:-5:{i}", chat_id="-5", text=t, observed_at=now) for i, t in enumerate(texts)]


async def judged(pool: asyncpg.Pool, reply: Callable[[dict[str, Any]], Reply], texts: list[str]) -> tuple[Any, Any]:
    server = OpenAICompatible(reply)
    async with serving(server.app(), health_path="/health") as base:
        await configure_judge(pool, base)
        judges = JudgeSource(pool, THRESHOLDS)
        try:
            results = await ScoringPipeline(THRESHOLDS, pool=pool, judges=judges).score(pending(texts))
        finally:
            await judges.aclose()
    return results, server.requests


async def test_judge_scores_a_batch_in_one_request_with_the_decrypted_key_and_skips_pure_noise(
    pool: asyncpg.Pool,
) -> None:
    results, requests = await judged(pool, all_signal, [*SUBSTANTIVE, "ok", "👍"])
    assert len(requests) == 1
    assert requests[0]["authorization"] == f"Bearer {API_KEY}"
    assert requests[0]["body"]["model"] == MODEL
    assert [m["text"] for m in inputs(requests[0]["body"])] == SUBSTANTIVE
    by_text = {r.text: r for r in results}
    for text in SUBSTANTIVE:
        r = by_text[text]
        assert (r.scorer, r.model, r.classification) == ("llm", MODEL, "signal")
        assert r.score > THRESHOLDS.signal and r.reasoning and r.reasoning.startswith("judged")
        assert r.judge_factors is not None and r.judge_factors.knowledge_value == 0.9
    assert [(by_text[t].scorer, by_text[t].classification) for t in ("ok", "👍")] == [("heuristic", "noise")] * 2


@pytest.mark.parametrize(
    "reply",
    [
        lambda body: "Sure! Here are the scores you asked for: all of them are important.",
        lambda body: json.dumps({"results": "none"}),
        lambda body: (500, "model crashed"),
        lambda body: (401, "invalid api key"),
    ],
    ids=["prose", "wrong-shape", "http-500", "http-401"],
)
async def test_an_unusable_answer_falls_back_to_the_heuristic_for_every_message(
    pool: asyncpg.Pool, reply: Callable[[dict[str, Any]], Reply]
) -> None:
    results, requests = await judged(pool, reply, SUBSTANTIVE)
    assert requests  # the model was asked
    assert all(r.scorer == "heuristic" and r.model is None and r.judge_factors is None for r in results)
    heuristic = await ScoringPipeline(THRESHOLDS).score(pending(SUBSTANTIVE))
    assert [(r.score, r.classification) for r in results] == [(h.score, h.classification) for h in heuristic]


async def test_an_item_outside_the_enum_falls_back_alone(pool: asyncpg.Pool) -> None:
    def one_bad(body: dict[str, Any]) -> Reply:
        answer = json.loads(str(all_signal(body)))
        answer["results"][1]["classification"] = "very_important"
        return json.dumps(answer)

    results, _ = await judged(pool, one_bad, SUBSTANTIVE)
    assert [r.scorer for r in results] == ["llm", "heuristic", "llm"]


async def test_the_seeded_offline_agent_means_heuristic_only(pool: asyncpg.Pool) -> None:
    judges = JudgeSource(pool, THRESHOLDS)
    assert await judges.current() is None


async def test_the_running_stage_publishes_the_judges_score(
    pool: asyncpg.Pool, database_url: str, nats_url: str, subject_prefix: str
) -> None:
    server = OpenAICompatible(all_signal)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    publisher = Publisher(js, producer="test", prefix=subject_prefix)
    scored = await js.pull_subscribe(f"{subject_prefix}.noise_filtering.message_scored", stream=subject_prefix.upper())
    settings = Settings(database_url=database_url, nats_url=nats_url, subject_prefix=subject_prefix)
    try:
        async with serving(server.app(), health_path="/health") as base:
            await configure_judge(pool, base)
            async with serving(build_stage(settings).app):
                await publisher.emit(
                    MessageIngested(
                        key="telegram:-9:1",
                        chat_id="-9",
                        message_id=1,
                        text=SUBSTANTIVE[0],
                        sent_at=datetime.now(UTC),
                        author=Author(source_user_id="42"),
                    )
                )
                (msg,) = await asyncio.wait_for(scored.fetch(1, timeout=20), 25)
    finally:
        await nc.close()
    event = decode(msg.data, subject=msg.subject, prefix=subject_prefix).data
    assert (event.key, event.scorer, event.model, event.classification) == ("telegram:-9:1", "llm", MODEL, "signal")
    assert len(server.requests) == 1
