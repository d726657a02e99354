"""Search use cases: run the ranked lists a mode needs, then merge them into one page."""

from __future__ import annotations

import asyncpg
import msgspec
import nats
import numpy as np

from services.gateway.search import queries, tsquery
from services.gateway.search.embed_client import embed_query
from services.gateway.search.fusion import (
    ADJACENT,
    ADJACENT_GAP_S,
    CONVERSATION_ANCHORS,
    CONVERSATION_DEPTH,
    CONVERSATION_GAP_S,
    CONVERSATION_OWN,
    CONVERSATION_REACH_S,
    CONVERSATION_WEIGHT,
    HYBRID_K,
    HYBRID_WEIGHTS,
    KEEP_HEAD,
    LINK_ANCHORS,
    RRF_K,
    SIMILAR_THREAD_HOPS,
    SIMILAR_THREAD_WEIGHT,
    THREAD_HOPS,
)
from services.gateway.search.hits import Hit, by_score, conversation_ranking, hybrid, linked_ranking
from services.gateway.search.params import EntityType, SearchParams
from services.gateway.search.rerank import Reranker, RerankUnavailable
from services.gateway.search.translations import Translator
from shared.logging import get_logger

log = get_logger(__name__)
RERANK_DEPTH = 30  # how many of the first pass's best hits the rerank stage reorders (TT_RERANK_DEPTH)


class SearchResponse(msgspec.Struct, frozen=True, kw_only=True):
    query: str
    mode: str
    types: list[str]
    threshold: float
    model_id: str | None  # the embedding model the semantic part compared against
    reranker: str | None = None  # the rerank stage that ordered the results (local, http), None when none did
    # query words (as typed, lower-case) that also matched as these words of the chat (hybrid: another language)
    translations: dict[str, list[str]] = msgspec.field(default_factory=dict)
    results: list[Hit]


async def keyword_search(
    pool: asyncpg.Pool, params: SearchParams, limit: int, translations: dict[str, list[str]] | None = None
) -> list[list[Hit]]:
    query = tsquery.build(params.query, alternatives=translations)
    if query is None:  # nothing but punctuation or emoji: no word to match
        return []
    async with pool.acquire() as conn:
        return [await queries.keyword(conn, t, query, limit) for t in params.types]


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


async def with_similarities(pool: asyncpg.Pool, hits: list[Hit], vector: np.ndarray, model_id: str) -> list[Hit]:
    """Every hit that has a stored vector of this model gets its similarity to the query, also the ones only
    the keyword part found (what a reranker compares; a reader sees how close each hit is)."""
    missing: dict[str, list[str]] = {}
    for hit in hits:
        if hit.similarity is None:
            missing.setdefault(f"{hit.type}s", []).append(hit.id)
    if not missing:
        return hits
    found: dict[tuple[str, str], float] = {}
    async with pool.acquire() as conn:
        for entity, ids in missing.items():
            for id_, similarity in (await queries.similarities(conn, entity, vector, model_id, ids)).items():  # type: ignore[arg-type]
                found[(entity[:-1], id_)] = round(similarity, 6)
    return [msgspec.structs.replace(hit, similarity=found[hit.ref]) if hit.ref in found else hit for hit in hits]


async def reranked(reranker: Reranker, query: str, hits: list[Hit]) -> tuple[list[Hit], str | None]:
    """The rerank stage, which is optional: when the reranker cannot answer, the first pass's order stands."""
    try:
        return await reranker.rerank(query, hits), reranker.name
    except RerankUnavailable as exc:
        log.warning("rerank_unavailable", reranker=reranker.name, reason=str(exc))
        return hits, None


async def search(
    pool: asyncpg.Pool,
    nc: nats.NATS,
    params: SearchParams,
    *,
    prefix: str,
    ef_search: int,
    embed_timeout: float,
    reranker: Reranker | None = None,
    rerank_depth: int = RERANK_DEPTH,
    translator: Translator | None = None,
) -> SearchResponse:
    """`translator` (hybrid mode): query words also match their equivalents in the other script."""
    keyword_lists: list[list[Hit]] = []
    semantic: list[list[Hit]] = []
    model_id = None
    vector: np.ndarray | None = None
    depth = max(params.limit, rerank_depth) if reranker is not None else params.limit
    if params.mode == "keyword":
        keyword_lists = await keyword_search(pool, params, max(params.candidates, depth))
    else:
        reply = await embed_query(nc, prefix, params.query, timeout=embed_timeout)
        model_id = reply.model_id
        vector = np.asarray(reply.vector, dtype=np.float32)
        semantic = await semantic_lists(
            pool,
            params.types,
            vector,
            model_id,
            limit=max(params.candidates, depth),
            threshold=params.threshold,
            ef_search=ef_search,
        )
    translations: dict[str, list[str]] = {}
    if params.mode == "hybrid":
        if translator is not None and model_id is not None:
            translations = await translator.translate(params.query, model_id)
        keyword_lists = await keyword_search(pool, params, max(params.candidates, depth), translations)
    if params.mode == "keyword":
        results = by_score(keyword_lists, depth)
    elif params.mode == "semantic":
        results = by_score(semantic, depth)
    else:
        flat_keyword = [hit for hits in keyword_lists for hit in hits]
        flat_semantic = [hit for hits in semantic for hit in hits]
        results = await hybrid_with_links(
            pool, flat_keyword, flat_semantic, depth, query_vector=(vector, model_id) if model_id else None
        )
    if vector is not None and model_id is not None:
        results = await with_similarities(pool, results, vector, model_id)
    used = None
    if reranker is not None:
        results, used = await reranked(reranker, params.query, results)
    return SearchResponse(
        query=params.query,
        mode=params.mode,
        types=list(params.types),
        threshold=params.threshold,
        model_id=model_id,
        reranker=used,
        translations=translations,
        results=results[: params.limit],
    )


async def linked(
    pool: asyncpg.Pool, anchors: list[Hit], *, depth: int = LINK_ANCHORS, adjacent: int = ADJACENT
) -> list[Hit]:
    """The ranking of messages the top hits lead to (reply threads, then the messages said around them,
    knowledge sources); see hits.linked_ranking."""
    top = anchors[:depth]
    message_keys = [hit.id for hit in top if hit.type == "message"]
    source_keys = [key for hit in top if hit.type != "message" for key in hit.sources or ()]
    if not message_keys and not source_keys:
        return []
    async with pool.acquire() as conn:
        threads = await queries.thread_neighbours(conn, message_keys, THREAD_HOPS)
        around = await queries.adjacent_messages(conn, message_keys, adjacent, ADJACENT_GAP_S)
        sources = await queries.messages_by_key(conn, source_keys)
    for key, hits in around.items():
        threads[key] = [*threads.get(key, []), *hits]  # linked_ranking keeps each message's first place
    return linked_ranking(top, threads, sources, depth)


async def hybrid_with_links(
    pool: asyncpg.Pool,
    keyword: list[Hit],
    semantic: list[Hit],
    limit: int,
    *,
    k: int = HYBRID_K,
    weights: tuple[float, float, float] = HYBRID_WEIGHTS,
    depth: int = LINK_ANCHORS,
    adjacent: int = ADJACENT,
    query_vector: tuple[np.ndarray, str] | None = None,
    conversation_weight: float = CONVERSATION_WEIGHT,
) -> list[Hit]:
    """Keyword and semantic fused, then fused again with the messages their best hits lead to and, given the
    query's vector and model, with the conversations around the best hits (see `conversation`)."""
    first = hybrid(keyword, semantic, max(limit, depth), k=k, weights=(weights[0], weights[1], 0.0))
    if weights[2] <= 0:
        return first[:limit]
    reached = await linked(pool, first, depth=depth, adjacent=adjacent)
    fused = hybrid(keyword, semantic, limit, k=k, weights=weights, linked=reached)
    if query_vector is None or conversation_weight <= 0:
        return fused
    around = (await conversation(pool, first, *query_vector))[: max(limit, CONVERSATION_DEPTH)]
    with_context = hybrid(
        keyword,
        semantic,
        limit + KEEP_HEAD,
        k=k,
        weights=(*weights, conversation_weight),
        linked=reached,
        conversation=around,
    )
    scored = {hit.ref: hit for hit in with_context}
    head = [scored.get(hit.ref, hit) for hit in fused[:KEEP_HEAD]]
    kept = {hit.ref for hit in head}
    page = [*head, *(hit for hit in with_context if hit.ref not in kept)][:limit]
    for i in reversed(range(min(len(head), len(page) - 1))):  # a kept hit is lifted to the score below it
        if page[i].score < page[i + 1].score:
            page[i] = msgspec.structs.replace(page[i], score=page[i + 1].score)
    return page


async def conversation(
    pool: asyncpg.Pool, anchors: list[Hit], vector: np.ndarray, model_id: str, *, depth: int = CONVERSATION_ANCHORS
) -> list[Hit]:
    """The messages said around the best message hits, ranked by their conversation (hits.conversation_ranking)."""
    keys = [hit.id for hit in anchors[:depth] if hit.type == "message"]
    async with pool.acquire() as conn:
        around = await queries.around_similarities(conn, keys, vector, model_id, CONVERSATION_REACH_S)
    return conversation_ranking(around, CONVERSATION_GAP_S, CONVERSATION_OWN)


async def similar_messages(
    pool: asyncpg.Pool,
    key: str,
    vector: np.ndarray,
    model_id: str,
    *,
    limit: int,
    threshold: float,
    ef_search: int,
    k: int = RRF_K,
) -> list[Hit]:
    """Messages like this one: its nearest vectors fused with its own conversation (reply thread), so the
    other messages of the same incident rank above look-alikes from elsewhere."""
    candidates = max(limit * 3, 20)
    lists = await semantic_lists(
        pool,
        ("messages",),
        vector,
        model_id,
        limit=candidates,
        threshold=threshold,
        ef_search=ef_search,
        exclude=(key,),
    )
    async with pool.acquire() as conn:
        thread = (await queries.thread_neighbours(conn, [key], SIMILAR_THREAD_HOPS)).get(key, [])
    weights = (0.0, 1.0, SIMILAR_THREAD_WEIGHT)
    return hybrid([], lists[0], limit, k=k, weights=weights, linked=thread[:candidates])
