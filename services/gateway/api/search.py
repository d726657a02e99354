"""Search: keyword / semantic / hybrid over messages, atoms and topics; similar messages; duplicates."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import ClientException, HTTPException, NotFoundException, ServiceUnavailableException
from litestar.params import FromPath, FromQuery, Parameter

from services.gateway.rate_limit import RATE_LIMITED
from services.gateway.search import queries
from services.gateway.search.embed_client import EmbeddingUnavailable
from services.gateway.search.hits import Hit
from services.gateway.search.params import MAX_LIMIT, parse_limit, parse_threshold, search_params
from services.gateway.search.rerank import LocalReranker, Reranker
from services.gateway.search.service import SearchResponse, search, similar_messages
from shared.settings import Settings

MAX_DUPLICATE_WINDOW = 10_000


class SimilarResponse(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    model_id: str
    threshold: float
    results: list[Hit]


class DuplicatesResponse(msgspec.Struct, frozen=True, kw_only=True):
    threshold: float
    window: int
    pairs: list[queries.DuplicatePair]


def _checked(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Parameter validation errors become a 400 saying which value is wrong."""
    try:
        return call(*args, **kwargs)
    except ValueError as exc:
        raise ClientException(detail=str(exc)) from None


def _reranker(state: Any, wanted: bool | None) -> Reranker | None:
    """rerank=true takes the configured reranker (the local one when none is), false none, absent the default."""
    configured: Reranker | None = state.reranker
    if wanted is None:
        return configured
    return (configured or LocalReranker()) if wanted else None


class SearchController(Controller):
    path = "/api/v1"
    tags = ["search"]

    @get("/search", operation_id="search", opt=RATE_LIMITED)
    async def search(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, Parameter(description="search text; websearch syntax for the keyword part")],
        mode: Annotated[str, Parameter(description="keyword | semantic | hybrid")] = "hybrid",
        types: Annotated[str | None, Parameter(description="comma-separated: messages,atoms,topics")] = None,
        limit: Annotated[int | None, Parameter(description=f"1..{MAX_LIMIT}; default VECTOR_SEARCH_LIMIT")] = None,
        threshold: Annotated[
            float | None, Parameter(description="cosine similarity cut-off [0, 1]; 0 (default) ranks without one")
        ] = None,
        rerank: Annotated[
            bool | None, Parameter(description="reorder the best hits with the rerank stage; default TT_SEARCH_RERANK")
        ] = None,
    ) -> SearchResponse:
        """Keyword (PostgreSQL full text), semantic (HNSW cosine) or hybrid (reciprocal rank fusion) search."""
        state = request.app.state
        settings: Settings = state.settings
        defaults = (settings.vector_search_limit, settings.vector_similarity_threshold)
        params = _checked(search_params, q, mode, types, limit, threshold, defaults=defaults)
        try:
            return await search(
                state.pool,
                state.nc,
                params,
                prefix=state.prefix,
                ef_search=settings.hnsw_ef_search,
                embed_timeout=settings.embed_rpc_timeout_s,
                reranker=_reranker(state, rerank),
                rerank_depth=settings.rerank_depth,
                translator=state.translator,
            )
        except EmbeddingUnavailable as exc:
            raise ServiceUnavailableException(detail=f"semantic search is unavailable: {exc}") from None

    @get("/messages/{key:str}/similar", operation_id="similarMessages", opt=RATE_LIMITED)
    async def similar(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        limit: FromQuery[int | None] = None,
        threshold: FromQuery[float | None] = None,
    ) -> SimilarResponse:
        """Messages like this one: nearest vectors (same model) fused with the message's own reply thread."""
        state = request.app.state
        settings: Settings = state.settings
        cut_off = _checked(parse_threshold, threshold, settings.vector_similarity_threshold)
        size = _checked(parse_limit, limit, settings.vector_search_limit)
        async with state.pool.acquire() as conn:
            row = await queries.message_embedding(conn, key)
        if row is None:
            raise NotFoundException(detail=f"no message {key!r}")
        if row["embedding"] is None:
            raise HTTPException(status_code=409, detail=f"message {key!r} has no embedding yet")
        results = await similar_messages(
            state.pool,
            key,
            row["embedding"],
            row["embedding_model"],
            limit=size,
            threshold=cut_off,
            ef_search=settings.hnsw_ef_search,
        )
        return SimilarResponse(key=key, model_id=row["embedding_model"], threshold=cut_off, results=results)

    @get("/search/duplicates", operation_id="searchDuplicates", opt=RATE_LIMITED)
    async def duplicates(
        self,
        request: Request[Any, Any, Any],
        threshold: Annotated[float | None, Parameter(description="default TT_DUPLICATE_THRESHOLD (0.96)")] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
        window: Annotated[
            int, Parameter(ge=1, le=MAX_DUPLICATE_WINDOW, description="how many of the latest messages are checked")
        ] = 1000,
        chat_id: FromQuery[str | None] = None,
    ) -> DuplicatesResponse:
        """Pairs of near-identical messages (cosine ≥ threshold, same model) among the latest `window`."""
        state = request.app.state
        settings: Settings = state.settings
        cut_off = _checked(parse_threshold, threshold, settings.duplicate_threshold)
        async with state.pool.acquire() as conn, conn.transaction():
            await queries.set_ef_search(conn, settings.hnsw_ef_search)
            pairs = await queries.duplicates(conn, cut_off, window=window, neighbours=5, limit=limit, chat_id=chat_id)
        return DuplicatesResponse(threshold=cut_off, window=window, pairs=pairs)
