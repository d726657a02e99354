"""A real HTTP server speaking the Cohere/Jina rerank protocol, for tests of the HTTP reranker.

`POST /v1/rerank` takes `{"model"?, "query", "documents": [str], "top_n"?}` and answers
`{"model", "results": [{"index", "relevance_score", "document": {"text"}}], "usage": {...}}`, best first, as
Jina's API and Cohere's `/v2/rerank` do. Its "model" scores a document by the share of the query's words it
holds (lemmatised uk/ru/en, so it is not the order the gateway's first pass produced). It remembers what it
was asked and can be told to fail, stall, answer outside the protocol, or cap `top_n`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Litestar, Request, get, post
from litestar.exceptions import HTTPException

from shared.text.lemmas import lemmas, words


class RerankRequest(msgspec.Struct, forbid_unknown_fields=True):
    query: str
    documents: list[str]
    model: str = ""
    top_n: int | None = None
    return_documents: bool = True


@dataclass
class RerankServerState:
    requests: list[RerankRequest] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    fail_with: int | None = None  # answer this HTTP status instead
    delay_s: float = 0.0  # stall this long before answering
    malformed: bool = False  # answer JSON that is not the protocol
    max_results: int | None = None  # a server-side cap below top_n


def _forms(text: str) -> set[str]:
    return {form for word in words(text) for form in (*lemmas(word), word)}


def score(query: str, document: str) -> float:
    wanted = _forms(query)
    return round(len(wanted & _forms(document)) / len(wanted), 6) if wanted else 0.0


def rerank_app(state: RerankServerState) -> Litestar:
    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @post("/v1/rerank", status_code=200)
    async def rerank(request: Request[Any, Any, Any]) -> Any:
        try:
            body = msgspec.json.decode(await request.body(), type=RerankRequest)
        except msgspec.DecodeError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        state.requests.append(body)
        state.authorizations.append(request.headers.get("authorization"))
        if state.delay_s:
            await asyncio.sleep(state.delay_s)
        if state.fail_with is not None:
            raise HTTPException(status_code=state.fail_with, detail="model overloaded")
        if state.malformed:
            return {"data": [{"i": 0, "s": 1.0}]}
        ranked = sorted(
            ((i, score(body.query, doc)) for i, doc in enumerate(body.documents)), key=lambda pair: (-pair[1], pair[0])
        )
        top = len(ranked) if body.top_n is None else body.top_n
        if state.max_results is not None:
            top = min(top, state.max_results)
        return {
            "model": body.model or "word-overlap",
            "results": [
                {"index": i, "relevance_score": s, "document": {"text": body.documents[i]}} for i, s in ranked[:top]
            ],
            "usage": {"total_tokens": sum(len(d) for d in body.documents)},
        }

    return Litestar([health, rerank], logging_config=None)  # see tests/unit/shared/test_logging_left_alone.py
