"""Search use cases: run the ranked lists a mode needs, then merge them into one page."""

from __future__ import annotations

import asyncpg
import msgspec
import nats
import numpy as np

from services.gateway.search import queries, tsquery
from services.gateway.search.embed_client import embed_query
from services.gateway.search.hits import Hit, by_score, hybrid
from services.gateway.search.params import EntityType, SearchParams


class SearchResponse(msgspec.Struct, frozen=True, kw_only=True):
    query: str
    mode: str
    types: list[str]
    threshold: float
    model_id: str | None  # the embedding model the semantic part compared against
    results: list[Hit]


async def _keyword(pool: asyncpg.Pool, params: SearchParams) -> list[list[Hit]]:
    query = tsquery.build(params.query)
    if query is None:  # nothing but punctuation or emoji: no word to match
        return []
    async with pool.acquire() as conn:
        return [await queries.keyword(conn, t, query, params.candidates) for t in params.types]


async def semantic_lists(
    pool: asyncpg.Pool,
    types: tuple[EntityType, ...],
    vector: np.ndarray,
    model_id: str,
    *,
    limit: int,
    threshold: float,
    ef_search: int,
    exclude: tuple[str, ...] = (),
) -> list[list[Hit]]:
    async with pool.acquire() as conn, conn.transaction():
        await queries.set_ef_search(conn, max(ef_search, limit))  # the walk never returns more than ef_search
        return [await queries.semantic(conn, t, vector, model_id, limit, threshold, exclude) for t in types]


async def search(
    pool: asyncpg.Pool, nc: nats.NATS, params: SearchParams, *, prefix: str, ef_search: int, embed_timeout: float
) -> SearchResponse:
    keyword_lists: list[list[Hit]] = []
    semantic: list[list[Hit]] = []
    model_id = None
    if params.mode != "semantic":
        keyword_lists = await _keyword(pool, params)
    if params.mode != "keyword":
        reply = await embed_query(nc, prefix, params.query, timeout=embed_timeout)
        model_id = reply.model_id
        vector = np.asarray(reply.vector, dtype=np.float32)
        semantic = await semantic_lists(
            pool,
            params.types,
            vector,
            model_id,
            limit=params.candidates,
            threshold=params.threshold,
            ef_search=ef_search,
        )
    if params.mode == "keyword":
        results = by_score(keyword_lists, params.limit)
    elif params.mode == "semantic":
        results = by_score(semantic, params.limit)
    else:
        flat = [hit for hits in keyword_lists for hit in hits]
        results = hybrid(flat, [hit for hits in semantic for hit in hits], params.limit)
    return SearchResponse(
        query=params.query,
        mode=params.mode,
        types=list(params.types),
        threshold=params.threshold,
        model_id=model_id,
        results=results,
    )
