"""SQL of search: full text on the `search` tsvector columns and HNSW cosine on the `embedding` columns."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import msgspec
import numpy as np

from services.gateway.search.hits import Hit, HitType
from services.gateway.search.params import EntityType


@dataclass(frozen=True)
class Table:
    """How one read model is searched; every name here is a constant, never user input."""

    name: str
    hit_type: HitType
    id_sql: str
    title_sql: str
    text_sql: str
    where: str = "true"


TABLES: dict[EntityType, Table] = {
    "messages": Table("messages", "message", "key", "text", "text"),
    "atoms": Table("atoms", "atom", "id::text", "title", "content", where="NOT archived"),
    "topics": Table("topics", "topic", "id::text", "name", "description"),
}
_MESSAGE_EXTRA = ", chat_id, sent_at"
_KNOWLEDGE_EXTRA = ", source_message_keys"  # atoms and topics lead to the messages they were drawn from


def _extra(table: Table) -> str:
    return _MESSAGE_EXTRA if table.name == "messages" else _KNOWLEDGE_EXTRA


def _hit(table: Table, row: asyncpg.Record, score: float, **scores: float) -> Hit:
    is_message = table.name == "messages"
    return Hit(
        type=table.hit_type,
        id=row["id"],
        title=row["title"],
        text=row["text"],
        score=round(score, 6),
        chat_id=row["chat_id"] if is_message else None,
        sent_at=row["sent_at"] if is_message else None,
        sources=None if is_message else list(row["source_message_keys"]),
        **{name: round(value, 6) for name, value in scores.items()},
    )


async def keyword(conn: asyncpg.Connection, entity: EntityType, tsquery: str, limit: int) -> list[Hit]:
    """Full-text matches of a lemma tsquery (search/tsquery.py) ranked by ts_rank, ties newest first."""
    table = TABLES[entity]
    rows = await conn.fetch(
        f"""
        SELECT {table.id_sql} AS id, {table.title_sql} AS title, {table.text_sql} AS text{_extra(table)},
               ts_rank(search, query) AS rank
        FROM {table.name}, to_tsquery('simple', $1) AS query
        WHERE search @@ query AND {table.where}
        ORDER BY rank DESC, {table.id_sql}
        LIMIT $2
        """,
        tsquery,
        limit,
    )
    return [_hit(table, row, row["rank"], keyword_rank=row["rank"]) for row in rows]


def semantic_sql(table: Table) -> str:
    """k nearest by the HNSW index (ORDER BY distance LIMIT k), then the similarity cut-off.

    The cut-off sits outside the k-NN subquery so PostgreSQL still walks the index; filtering on the
    model means vectors of two models are never compared.
    """
    return f"""
        SELECT * FROM (
            SELECT {table.id_sql} AS id, {table.title_sql} AS title, {table.text_sql} AS text{_extra(table)},
                   embedding <=> $1 AS distance
            FROM {table.name}
            WHERE embedding_model = $2 AND {table.where} AND ({table.id_sql}) <> ALL($5::text[])
            ORDER BY embedding <=> $1
            LIMIT $3
        ) AS nearest
        WHERE 1 - distance >= $4
        ORDER BY distance
        """


async def set_ef_search(conn: asyncpg.Connection, ef_search: int) -> None:
    """Candidate list size of the HNSW walk for this transaction (recall vs latency, see bench/search.py)."""
    await conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")


async def semantic(
    conn: asyncpg.Connection,
    entity: EntityType,
    vector: np.ndarray,
    model_id: str,
    limit: int,
    threshold: float,
    exclude: tuple[str, ...] = (),
) -> list[Hit]:
    """Nearest vectors of the same model with cosine similarity ≥ threshold (0 = no cut-off); call inside a
    transaction."""
    table = TABLES[entity]
    floor = threshold if threshold > 0 else -1.0  # cosine similarity can be negative: -1 keeps everything
    rows = await conn.fetch(semantic_sql(table), vector, model_id, limit, floor, list(exclude))
    return [_hit(table, row, 1.0 - row["distance"], similarity=1.0 - row["distance"]) for row in rows]


async def similarities(
    conn: asyncpg.Connection, entity: EntityType, vector: np.ndarray, model_id: str, ids: list[str]
) -> dict[str, float]:
    """Cosine similarity of the query to these rows' stored vectors (same model); rows without one are absent."""
    if not ids:
        return {}
    table = TABLES[entity]
    match = "key = ANY($3::text[])" if entity == "messages" else "id = ANY($3::text[]::uuid[])"  # by the index
    rows = await conn.fetch(
        f"""
        SELECT {table.id_sql} AS id, 1 - (embedding <=> $1) AS similarity FROM {table.name}
        WHERE embedding_model = $2 AND {match}
        """,
        vector,
        model_id,
        ids,
    )
    return {row["id"]: row["similarity"] for row in rows}


async def message_embedding(conn: asyncpg.Connection, key: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT embedding, embedding_model FROM messages WHERE key = $1", key)  # type: ignore[no-any-return]


class DuplicatePair(msgspec.Struct, frozen=True, kw_only=True):
    a_key: str
    a_text: str
    b_key: str
    b_text: str
    similarity: float


async def duplicates(
    conn: asyncpg.Connection, threshold: float, *, window: int, neighbours: int, limit: int, chat_id: str | None
) -> list[DuplicatePair]:
    """Pairs among the latest `window` embedded messages and their nearest neighbours (same model).

    Bounded by the window because each message costs one index walk; each pair is reported once.
    """
    rows = await conn.fetch(
        """
        SELECT m.key AS a_key, m.text AS a_text, n.key AS b_key, n.text AS b_text, 1 - n.distance AS similarity
        FROM (
            SELECT key, text, embedding, embedding_model FROM messages
            WHERE embedding IS NOT NULL AND ($4::text IS NULL OR chat_id = $4)
            ORDER BY sent_at DESC
            LIMIT $2
        ) AS m
        CROSS JOIN LATERAL (
            SELECT o.key, o.text, o.embedding <=> m.embedding AS distance
            FROM messages AS o
            WHERE o.embedding_model = m.embedding_model AND o.key <> m.key
            ORDER BY o.embedding <=> m.embedding
            LIMIT $3
        ) AS n
        WHERE 1 - n.distance >= $1
        ORDER BY similarity DESC, a_key, b_key
        """,
        threshold,
        window,
        neighbours,
        chat_id,
    )
    pairs: dict[tuple[str, str], DuplicatePair] = {}
    for row in rows:
        first, second = sorted(((row["a_key"], row["a_text"]), (row["b_key"], row["b_text"])))
        pairs.setdefault(
            (first[0], second[0]),
            DuplicatePair(
                a_key=first[0],
                a_text=first[1],
                b_key=second[0],
                b_text=second[1],
                similarity=round(row["similarity"], 6),
            ),
        )
    return list(pairs.values())[:limit]


async def thread_neighbours(conn: asyncpg.Connection, keys: list[str], hops: int) -> dict[str, list[Hit]]:
    """For each message key, the messages reply links connect it to within `hops` (either direction, same
    chat), nearest first then closest in time; noise is walked through but not returned."""
    if not keys or hops < 1:
        return {}
    rows = await conn.fetch(
        """
        WITH RECURSIVE thread (anchor, anchor_at, id, chat_id, source, message_id, reply_to, hops) AS (
            SELECT key, sent_at, id, chat_id, source, message_id, reply_to_message_id, 0
            FROM messages WHERE key = ANY($1::text[])
            UNION
            SELECT t.anchor, t.anchor_at, n.id, n.chat_id, n.source, n.message_id, n.reply_to_message_id, t.hops + 1
            FROM thread AS t
            JOIN messages AS n ON n.chat_id = t.chat_id AND n.source = t.source
                 AND (n.message_id = t.reply_to OR n.reply_to_message_id = t.message_id)
            WHERE t.hops < $2
        )
        SELECT t.anchor, m.key AS id, m.text AS title, m.text, m.chat_id, m.sent_at, min(t.hops) AS hops,
               abs(extract(epoch FROM m.sent_at - t.anchor_at)) AS seconds_apart
        FROM thread AS t JOIN messages AS m ON m.id = t.id
        WHERE t.hops > 0 AND m.key <> t.anchor AND m.effective_classification IS DISTINCT FROM 'noise'
        GROUP BY t.anchor, m.key, m.text, m.chat_id, m.sent_at, t.anchor_at
        ORDER BY t.anchor, hops, seconds_apart
        """,
        keys,
        hops,
    )
    found: dict[str, list[Hit]] = {}
    for row in rows:
        found.setdefault(row["anchor"], []).append(_hit(TABLES["messages"], row, 1.0 / (1 + row["hops"])))
    return found


async def adjacent_messages(
    conn: asyncpg.Connection, keys: list[str], count: int, max_gap_s: float
) -> dict[str, list[Hit]]:
    """For each message key, up to `count` messages said just before it and `count` just after it in the same
    chat, within `max_gap_s`, closest in time first; noise is skipped. A chat's discussion runs on without
    reply links: the answer to a question is usually the next message, not a reply to it."""
    if not keys or count < 1:
        return {}
    rows = await conn.fetch(
        """
        SELECT a.key AS anchor, n.key AS id, n.text AS title, n.text, n.chat_id, n.sent_at, n.gap
        FROM messages AS a
        CROSS JOIN LATERAL (
            (SELECT m.key, m.text, m.chat_id, m.sent_at, extract(epoch FROM a.sent_at - m.sent_at) AS gap
             FROM messages AS m
             WHERE m.chat_id = a.chat_id AND m.source = a.source AND m.sent_at < a.sent_at
                   AND m.sent_at >= a.sent_at - make_interval(secs => $3)
                   AND m.effective_classification IS DISTINCT FROM 'noise'
             ORDER BY m.sent_at DESC LIMIT $2)
            UNION ALL
            (SELECT m.key, m.text, m.chat_id, m.sent_at, extract(epoch FROM m.sent_at - a.sent_at) AS gap
             FROM messages AS m
             WHERE m.chat_id = a.chat_id AND m.source = a.source AND m.sent_at > a.sent_at
                   AND m.sent_at <= a.sent_at + make_interval(secs => $3)
                   AND m.effective_classification IS DISTINCT FROM 'noise'
             ORDER BY m.sent_at LIMIT $2)
        ) AS n
        WHERE a.key = ANY($1::text[])
        ORDER BY a.key, n.gap, n.key
        """,
        keys,
        count,
        float(max_gap_s),
    )
    found: dict[str, list[Hit]] = {}
    for row in rows:
        found.setdefault(row["anchor"], []).append(_hit(TABLES["messages"], row, 1.0 / (1 + float(row["gap"]))))
    return found


async def messages_by_key(conn: asyncpg.Connection, keys: list[str]) -> dict[str, Hit]:
    """Messages by key (the sources of knowledge hits), as hits scored 1."""
    if not keys:
        return {}
    table = TABLES["messages"]
    rows = await conn.fetch(
        "SELECT key AS id, text AS title, text, chat_id, sent_at FROM messages WHERE key = ANY($1::text[])", keys
    )
    return {row["id"]: _hit(table, row, 1.0) for row in rows}


async def around_similarities(
    conn: asyncpg.Connection, keys: list[str], vector: np.ndarray, model_id: str, reach_s: float
) -> list[asyncpg.Record]:
    """The embedded messages (this model) said within `reach_s` of each of these messages in its chat, each with
    its similarity to the query; one row per message (id, title, text, chat_id, sent_at, similarity)."""
    if not keys:
        return []
    return await conn.fetch(  # type: ignore[no-any-return]
        """
        SELECT DISTINCT m.key AS id, m.text AS title, m.text, m.chat_id, m.sent_at,
               1 - (m.embedding <=> $2) AS similarity
        FROM messages AS a
        JOIN messages AS m ON m.chat_id = a.chat_id AND m.source = a.source
             AND m.sent_at BETWEEN a.sent_at - make_interval(secs => $4) AND a.sent_at + make_interval(secs => $4)
        WHERE a.key = ANY($1::text[]) AND m.embedding_model = $3
        ORDER BY m.chat_id, m.sent_at, m.key
        """,
        keys,
        vector,
        model_id,
        float(reach_s),
    )
