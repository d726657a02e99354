"""The guard every embedding projection passes: a vector is stored only in a column of its dimension."""

from __future__ import annotations

import asyncpg
from prometheus_client import Counter

from shared.logging import get_logger

log = get_logger(__name__)
EMBEDDINGS_REFUSED = Counter(
    "tt_embeddings_refused_total", "Vectors not stored because they do not fit their column", ["table", "reason"]
)
# Vectors closer than this to the stored one (same model) are the same vector up to float noise.
SAME_VECTOR_DISTANCE = 1e-6
_dimensions: dict[str, int] = {}  # per table: column types change only with a migration and a restart


async def column_dimensions(conn: asyncpg.Connection, table: str) -> int:
    """Declared dimension of `<table>.embedding` (a vector's typmod is its dimension)."""
    if table not in _dimensions:
        _dimensions[table] = await conn.fetchval(
            "SELECT atttypmod FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'", table
        )
    return _dimensions[table]


async def fits(
    conn: asyncpg.Connection, table: str, *, item: str, model_id: str, dimensions: int, vector: list[float]
) -> bool:
    """True when the vector may be stored; otherwise logs, counts and says no (never pads or truncates)."""
    expected = await column_dimensions(conn, table)
    if len(vector) != dimensions:
        reason = "inconsistent"
    elif dimensions != expected:
        reason = "dimension"
    else:
        return True
    log.warning(
        "embedding_refused",
        table=table,
        item=item,
        model=model_id,
        dimensions=dimensions,
        length=len(vector),
        column_dimensions=expected,
        reason=reason,
    )
    EMBEDDINGS_REFUSED.labels(table, reason).inc()
    return False


def update_sql(table: str, id_column: str) -> str:
    """Store the vector unless the same model already stored (practically) the same one.

    Skipping the no-op matters: every UPDATE writes a new row version and a new HNSW entry.
    """
    return f"""
        UPDATE {table} SET embedding = $2, embedding_model = $3
        WHERE {id_column} = $1
          AND (embedding IS NULL OR embedding_model IS DISTINCT FROM $3 OR embedding <=> $2 > {SAME_VECTOR_DISTANCE})
        """
