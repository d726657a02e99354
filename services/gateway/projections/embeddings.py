"""Read-model columns `atoms.embedding` / `topics.embedding` (+ `embedding_model`) from knowledge.embedding_computed."""

from __future__ import annotations

import uuid

import asyncpg

from services.gateway.projections.base import Projection
from services.gateway.projections.vector_columns import fits, update_sql
from shared.contracts import Envelope
from shared.contracts.knowledge import EmbeddingComputed
from shared.logging import get_logger

log = get_logger(__name__)
_TABLES = {"atom": "atoms", "topic": "topics"}

projection = Projection(
    "embeddings",
    reset_sql=(
        "UPDATE atoms SET embedding = NULL, embedding_model = NULL WHERE embedding IS NOT NULL",
        "UPDATE topics SET embedding = NULL, embedding_model = NULL WHERE embedding IS NOT NULL",
    ),
)


@projection.on("knowledge.embedding_computed")
async def computed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: EmbeddingComputed = envelope.data
    table = _TABLES[event.entity]
    try:
        entity_id = uuid.UUID(event.entity_id)
    except ValueError:
        log.warning("embedding_for_unknown_id", entity=event.entity, entity_id=event.entity_id)
        return  # no row can have it: retrying would not help
    if await fits(
        conn, table, item=event.entity_id, model_id=event.model_id, dimensions=event.dimensions, vector=event.vector
    ):
        await conn.execute(update_sql(table, "id"), entity_id, event.vector, event.model_id)
