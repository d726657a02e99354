"""The scorer stage on real JetStream and PostgreSQL: context factors computed live, overrides adapt a chat."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from services.scorer.app import build_stage
from services.scorer.pipeline import Pending, ScoringPipeline
from services.scorer.scoring import Thresholds
from shared.contracts import uuid7
from shared.contracts.knowledge import TopicCreated
from shared.contracts.noise_filtering import ClassificationOverridden
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.running import serving

from .scoring_seed import ingested, wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0 = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)


async def _factors(harness: GatewayHarness, chat: str) -> dict[int, dict]:
    rows = await harness.pool.fetch(  # type: ignore[attr-defined]
        "SELECT message_id, importance_score, classification, score_factors FROM messages WHERE chat_id = $1", chat
    )
    return {
        r["message_id"]: {
            "score": r["importance_score"],
            "class": r["classification"],
            **(json.loads(r["score_factors"]) if isinstance(r["score_factors"], str) else r["score_factors"]),
        }
        for r in rows
    }


async def test_author_temporal_topic_and_repeats_vary_in_the_live_pipeline(harness: GatewayHarness) -> None:
    chat = "-500"
    topic = TopicCreated(
        topic_id=uuid7(),
        name="Міграція бази",
        keywords=["міграція", "postgres"],
        message_keys=[f"telegram:{chat}:1"],
    )
    first = [  # (n, minutes after T0, author, text, reply to)
        (1, 0, "1", "Міграція 0042 на postgres падає з помилкою lock timeout, треба розбити на дві", None),
        (2, 3, "1", "Рішення: переносимо реліз 2.5 на четвер, поки не виправимо міграцію", None),
        (3, 6, "1", "Олег додав індекс на orders.created_at, запит звіту тепер 40 мс замість 9 с", None),
        (4, 6.05, "2", "хтось бачив мій зарядник?", None),
    ]
    second = [
        (5, 90, "1", "Після міграції треба перевірити таблицю refunds, там 3 записи без order_id", 3),
        (6, 90.02, "2", "хтось бачив мій зарядник?", None),
        (7, 90.03, "3", "Бухгалтерія просить вивантаження повернень щопонеділка о 9:00", None),
    ]
    async with harness.serve(), serving(build_stage(harness.settings).app):
        await harness.publisher.emit(topic)
        await wait_until(harness, "SELECT count(*) FROM topics", 1)
        for n, minutes, author, text, reply in first:
            await harness.publisher.emit(
                ingested(chat, n, T0 + timedelta(minutes=minutes), author=author, text=text, reply_to=reply)
            )
        await wait_until(
            harness, f"SELECT count(*) FROM messages WHERE classification IS NOT NULL AND chat_id = '{chat}'", 4
        )
        for n, minutes, author, text, reply in second:
            await harness.publisher.emit(
                ingested(chat, n, T0 + timedelta(minutes=minutes), author=author, text=text, reply_to=reply)
            )
        await wait_until(
            harness, f"SELECT count(*) FROM messages WHERE classification IS NOT NULL AND chat_id = '{chat}'", 7
        )
        scored = await _factors(harness, chat)

    # Author: three signal messages make author 1 a known signal source; a newcomer stays neutral.
    assert scored[5]["author"] > 0.5 and scored[7]["author"] == 0.5
    # Temporal: a reply after a long silence, a burst a second later, a message 3 minutes after the previous.
    assert scored[5]["temporal"] > scored[2]["temporal"] > scored[6]["temporal"]
    # Topic: the chat's topic keywords match inflected forms ("міграцію", "міграції"); other messages miss.
    assert scored[1]["topic"] > 0.5 and scored[5]["topic"] > 0.5 and scored[7]["topic"] < 0.5
    for factor in ("author", "temporal", "topic"):
        assert len({s[factor] for s in scored.values()}) > 1, factor
    # Repeats: the same chatter said again in the chat is noise, with less content than the first time.
    assert scored[6]["content"] < scored[4]["content"] and scored[6]["class"] == "noise"
    assert scored[1]["class"] == scored[5]["class"] == "signal"


async def test_an_override_moves_later_similar_messages_of_that_chat_only(harness: GatewayHarness) -> None:
    chat, other = "-600", "-601"
    reviewed = ingested(chat, 1, T0, text="звіт для бухгалтерії знову рахує щось дивно")
    async with harness.serve() as base, serving(build_stage(harness.settings).app):
        await harness.publisher.emit(reviewed)
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NOT NULL", 1)
        before = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT classification FROM messages WHERE key = $1", reviewed.key
        )
        async with httpx.AsyncClient(base_url=base) as client:
            response = await client.post(
                f"/api/v1/messages/{reviewed.key}/classification",
                json={"classification": "signal", "reason": "accounting reports are incidents here"},
                headers=AUTH,
            )
        assert response.status_code == 202
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification_override IS NOT NULL", 1)
        similar = "звіт для бухгалтерії сьогодні теж рахує щось дивно"
        unrelated = "подивлюсь інтеграцію з поштою завтра"
        later = T0 + timedelta(hours=1)
        await harness.publisher.emit(ingested(chat, 2, later, author="9", text=similar))
        await harness.publisher.emit(ingested(chat, 3, later + timedelta(minutes=5), author="9", text=unrelated))
        await harness.publisher.emit(ingested(other, 2, later, author="9", text=similar))
        await harness.publisher.emit(ingested(other, 3, later + timedelta(minutes=5), author="9", text=unrelated))
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification IS NOT NULL", 5)
        here = await _factors(harness, chat)
        there = await _factors(harness, other)

    assert before == "weak_signal"
    # The similar message in the reviewed chat follows the reviewer; the same text elsewhere does not.
    assert here[2]["class"] == "signal" and there[2]["class"] == "weak_signal"
    assert here[2]["content"] > there[2]["content"]
    # An unrelated message of the reviewed chat is untouched.
    assert here[3]["content"] == there[3]["content"]


async def test_a_fresh_pipeline_reads_repeats_topics_and_overrides_from_the_read_model(harness: GatewayHarness) -> None:
    # A restarted scorer knows nothing in process: everything below must come from PostgreSQL.
    chat, other = "-700", "-701"
    chatter = "хтось бачив мій зарядник?"
    seeds = [
        ingested(chat, 1, T0, text=chatter),
        ingested(chat, 2, T0 + timedelta(minutes=1), text="звіт для бухгалтерії знову рахує щось дивно"),
        ingested(chat, 3, T0 + timedelta(minutes=2), text="Міграція 0042 на postgres падає з помилкою lock timeout"),
    ]
    async with harness.serve():
        for message in seeds:
            await harness.publisher.emit(message)
        await harness.publisher.emit(
            TopicCreated(topic_id=uuid7(), name="Міграції", keywords=["міграція"], message_keys=[seeds[2].key])
        )
        await harness.publisher.emit(
            ClassificationOverridden(
                key=seeds[1].key, classification="signal", overridden_by="qa", overridden_at=T0 + timedelta(minutes=5)
            )
        )
        await wait_until(harness, "SELECT count(*) FROM messages WHERE classification_override IS NOT NULL", 1)
        await wait_until(harness, "SELECT count(*) FROM topics", 1)

    pipeline = ScoringPipeline(Thresholds(), pool=harness.pool)  # type: ignore[arg-type]
    later = T0 + timedelta(hours=1)
    texts = [chatter, "звіт для бухгалтерії сьогодні теж рахує щось дивно", "Що з міграцією на postgres?"]
    here = await pipeline.score(
        [
            Pending(key=f"telegram:{chat}:{10 + i}", chat_id=chat, text=t, sent_at=later, observed_at=later)
            for i, t in enumerate(texts)
        ]
    )
    elsewhere = await ScoringPipeline(Thresholds(), pool=harness.pool).score(  # type: ignore[arg-type]
        [
            Pending(key=f"telegram:{other}:{10 + i}", chat_id=other, text=t, sent_at=later, observed_at=later)
            for i, t in enumerate(texts)
        ]
    )
    assert here[0].classification == "noise" and here[0].factors.content < elsewhere[0].factors.content  # repeat
    assert here[1].classification == "signal" and elsewhere[1].classification == "weak_signal"  # override
    assert here[2].factors.topic > 0.5 and elsewhere[2].factors.topic == 0.5  # the chat's topic keywords
