"""Embedder stage wiring: provider and read-model pool lifecycle, subscribers, request-reply."""

from __future__ import annotations

import asyncio

import asyncpg

from services.embedder import handlers, reembed, rpc
from services.embedder.providers import EmbeddingProvider, build_provider
from services.embedder.vocabulary import Vocabulary
from shared.bus.service import Stage
from shared.db.pool import create_pool
from shared.logging import get_logger
from shared.settings import Settings
from shared.text.lemmas import warm_up

log = get_logger(__name__)


async def _fill_vocabulary(stage: Stage, pool: asyncpg.Pool, model_id: str) -> None:
    """Messages embedded before the vocabulary existed (migration 0018) give it their words, once."""
    try:
        pages = reembed.embedded_texts(pool, model_id, stage.settings.embedding_batch_size)
        log.info("vocabulary_filled", model=model_id, terms=await handlers.publish_vocabulary(stage, pages))
    except Exception as exc:  # search works without it; the next start tries again
        log.warning("vocabulary_fill_failed", model=model_id, error=f"{type(exc).__name__}: {exc}")


def build_stage(settings: Settings, *, provider: EmbeddingProvider | None = None) -> Stage:
    stage = Stage("embedder", settings, fetch_batch=settings.embedding_batch_size)
    stage.state["provider"] = provider or build_provider(
        settings.embedding_provider,
        base_url=settings.embedding_base_url or None,
        api_key=settings.embedding_api_key or None,
        model=settings.embedding_model or None,
    )
    stage.state["vocabulary"] = Vocabulary()
    handlers.register(stage)
    rpc.register(stage)

    @stage.on_start
    async def open_resources(stage: Stage) -> None:
        provider = stage.state["provider"]
        # Load the model (or learn a remote model's dimension) before the first batch arrives.
        if hasattr(provider, "warm_up"):
            await provider.warm_up()
        elif hasattr(provider, "discover_dimensions"):
            await provider.discover_dimensions()
        await asyncio.to_thread(warm_up)  # the lemmatiser picks each batch's new words: dictionaries now, not then
        if settings.database_url:  # to read: conversation context, the stored vocabulary, what to re-embed
            pool = stage.state["pool"] = await create_pool(settings.database_url, min_size=1, max_size=2)
            if await reembed.vocabulary_missing(pool, provider.model_id):
                stage.state["backfill"] = asyncio.create_task(_fill_vocabulary(stage, pool, provider.model_id))
        log.info("embedder_ready", model=provider.model_id, dimensions=provider.dimensions)

    @stage.on_stop
    async def close_resources(stage: Stage) -> None:
        if (backfill := stage.state.pop("backfill", None)) is not None:
            backfill.cancel()
        if (pool := stage.state.pop("pool", None)) is not None:
            await pool.close()
        await stage.state["provider"].aclose()

    return stage
