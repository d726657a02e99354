"""Embedder subscribers: batches of scored messages, created atoms and topics → one provider call → events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import numpy as np
from prometheus_client import Counter, Histogram

from services.embedder import conversation, reembed, selection, vocabulary
from services.embedder.batching import DEFAULT_MAX_WAIT
from services.embedder.providers import EmbeddingDimensionError, EmbeddingProvider
from services.embedder.selection import Pending
from services.embedder.texts import parse_policy
from shared.bus.service import Stage
from shared.contracts import Envelope, EventData
from shared.contracts.commands import Reembed
from shared.contracts.knowledge import EmbeddingComputed
from shared.contracts.messages import MessageEmbedded, TermsEmbedded, TermVector
from shared.logging import get_logger

log = get_logger(__name__)
EMBEDDED = Counter("tt_embeddings_total", "Texts embedded by the embedder stage", ["kind", "model"])
PROVIDER_SECONDS = Histogram(
    "tt_embedding_provider_seconds",
    "One provider call (one batch)",
    ["model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
)
REEMBED_ENTITIES = ("all", "messages", "atoms", "topics", "terms")


def _event(kind: str, item_id: str, model_id: str, values: list[float]) -> EventData:
    if kind == "message":
        return MessageEmbedded(key=item_id, model_id=model_id, dimensions=len(values), vector=values)
    return EmbeddingComputed(
        entity=kind,  # type: ignore[arg-type]  # "atom" | "topic" here
        entity_id=item_id,
        model_id=model_id,
        dimensions=len(values),
        vector=values,
    )


async def embed_and_publish(stage: Stage, items: list[Pending], kind: str, cause: Envelope | None = None) -> None:
    """One provider call for the whole batch, then one batched publish; raises so the batch is retried."""
    publish = await embed(stage, items, kind, cause)
    if publish is not None:
        await publish


async def embed(stage: Stage, items: list[Pending], kind: str, cause: Envelope | None = None) -> Awaitable[None] | None:
    """One provider call for the whole batch (messages with the words first seen in them); returns the (not yet
    awaited) publish of its events."""
    if not items:
        return None
    provider: EmbeddingProvider = stage.state["provider"]
    model_id = provider.model_id
    words: vocabulary.Vocabulary = stage.state["vocabulary"]
    terms = (
        await words.claim_new(stage.state.get("pool"), model_id, [i.text for i in items]) if kind == "message" else []
    )
    texts = [item.embedded_text for item in items]
    try:
        with PROVIDER_SECONDS.labels(model_id).time():
            vectors = await provider.embed_passages(texts + terms)
        if vectors.shape != (len(texts) + len(terms), provider.dimensions):
            raise EmbeddingDimensionError(
                f"{model_id} returned {vectors.shape} for {len(texts) + len(terms)} texts of {provider.dimensions} "
                "dimensions"
            )
    except BaseException:
        words.release(model_id, terms)
        raise
    publisher = stage.publisher
    envelopes = [
        (
            publisher.envelope(
                _event(kind, item.id, model_id, selection.vector_values(vector)), caused_by=item.cause or cause
            ),
            selection.embedding_msg_id(kind, item.id, model_id, item.embedded_text),
        )
        for item, vector in zip(items, vectors[: len(items)], strict=True)
    ]
    envelopes += _terms_envelopes(stage, terms, vectors[len(items) :], cause)

    async def publish() -> None:
        try:
            await publisher.publish_many(envelopes)
        except BaseException:
            words.release(model_id, terms)  # the retried batch publishes them again
            raise
        EMBEDDED.labels(kind, model_id).inc(len(items))
        if terms:
            EMBEDDED.labels("term", model_id).inc(len(terms))

    return publish()


def _terms_envelopes(
    stage: Stage, terms: list[str], vectors: np.ndarray, cause: Envelope | None
) -> list[tuple[Envelope, str]]:
    provider: EmbeddingProvider = stage.state["provider"]
    out = []
    by_term = dict(zip(terms, vectors, strict=True))
    for chunk in vocabulary.chunks(terms):
        event = TermsEmbedded(
            model_id=provider.model_id,
            dimensions=provider.dimensions,
            terms=[TermVector(term=t, vector=selection.vector_values(by_term[t])) for t in chunk],
        )
        msg_id = vocabulary.terms_msg_id(provider.model_id, chunk)
        out.append((stage.publisher.envelope(event, caused_by=cause), msg_id))
    return out


async def publish_vocabulary(stage: Stage, pages: AsyncIterator[list[str]], cause: Envelope | None = None) -> int:
    """The words of these texts that the vocabulary lacks, embedded and published page by page; how many."""
    provider: EmbeddingProvider = stage.state["provider"]
    words: vocabulary.Vocabulary = stage.state["vocabulary"]
    done = 0
    async for texts in pages:
        terms = await words.claim_new(stage.state.get("pool"), provider.model_id, texts)
        if not terms:
            continue
        try:
            vectors = await provider.embed_passages(terms)
            await stage.publisher.publish_many(_terms_envelopes(stage, terms, vectors, cause))
        except BaseException:
            words.release(provider.model_id, terms)
            raise
        EMBEDDED.labels("term", provider.model_id).inc(len(terms))
        done += len(terms)
    return done


async def _reembed(stage: Stage, kind: str, pages: AsyncIterator[list[Pending]], cause: Envelope) -> int:
    done = 0
    async for page in pages:
        await embed_and_publish(stage, page, kind, cause)
        done += len(page)
    return done


def register(stage: Stage) -> None:
    settings = stage.settings
    policy = parse_policy(settings.embed_classes)
    size = settings.embedding_batch_size

    def batch_handler(event_type: str, kind: str, select: Callable[[list[Envelope]], list[Pending]]) -> None:
        @stage.handles_batch(event_type, batch_size=size, max_wait_s=DEFAULT_MAX_WAIT)
        async def handle(envelopes: list[Envelope], stage: Stage) -> Awaitable[None] | None:
            # The publish runs while the next batch is embedded (see BatchHandler).
            return await embed(stage, select(envelopes), kind)

        handle.__doc__ = f"Embed each {kind} of a batch of {event_type} with one provider call."

    context_window = timedelta(seconds=settings.embed_context_s)

    @stage.handles_batch("noise_filtering.message_scored", batch_size=size, max_wait_s=DEFAULT_MAX_WAIT)
    async def handle_scored(envelopes: list[Envelope], stage: Stage) -> Awaitable[None] | None:
        """Embed the messages of a batch the policy accepts, short ones with their conversation."""
        items = selection.scored_messages(envelopes, policy)
        items = await conversation.contextualised(items, envelopes, stage.state.get("pool"), context_window)
        return await embed(stage, items, "message")

    batch_handler("knowledge.atom_created", "atom", selection.created_atoms)
    batch_handler("knowledge.topic_created", "topic", selection.created_topics)

    @stage.handles("cmd.embedder.reembed")
    async def on_reembed(envelope: Envelope, stage: Stage) -> None:
        """Re-embed everything whose stored vector is missing or from another model than the current one."""
        command: Reembed = envelope.data
        if command.entity not in REEMBED_ENTITIES:
            log.warning("reembed_unknown_entity", entity=command.entity, expected=REEMBED_ENTITIES)
            return  # not transient: retrying cannot make the entity valid
        pool = stage.state.get("pool")
        if pool is None:
            raise RuntimeError("cmd.embedder.reembed reads the read models: set DATABASE_URL for the embedder")
        model_id = stage.state["provider"].model_id
        counts: dict[str, int] = {}
        if command.entity in ("all", "messages"):
            pages = reembed.stale_messages(pool, model_id, policy, size)
            counts["messages"] = await _reembed(stage, "message", pages, envelope)
        for kind, name in (("atom", "atoms"), ("topic", "topics")):
            if command.entity in ("all", name):
                counts[name] = await _reembed(stage, kind, reembed.stale_entities(pool, kind, model_id, size), envelope)
        if command.entity in ("all", "terms"):
            counts["terms"] = await publish_vocabulary(stage, reembed.embedded_texts(pool, model_id, size), envelope)
        log.info("reembed_done", model=model_id, **counts)
