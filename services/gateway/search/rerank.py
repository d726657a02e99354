"""The optional rerank stage: the top hits of a search, reordered by a second look at query and text.

`Reranker` is the interface. Two implementations:
- `LocalReranker` (offline, no model call): fuses the incoming order with two views the first pass lacks —
  how many of the query's words (as lemma groups, uk/ru/en, shared/text/lemmas.py) each text holds, and the
  cosine similarity of the query's e5 vector to the hit's stored vector for *every* candidate, not only the
  ones the semantic list reached (the service fills `similarity` in before reranking).
- `HttpReranker`: a cross-encoder behind the public rerank protocol that Cohere (`POST /v2/rerank`), Jina
  (`POST /v1/rerank`) and self-hosted servers compatible with them (Infinity, vLLM, llama.cpp, LiteLLM) speak:
  request `{"model", "query", "documents": [str], "top_n"}`, answer `{"results": [{"index",
  "relevance_score"}]}` best first. Text Embeddings Inference's own `/rerank` (`texts`, `[{"index","score"}]`)
  is not this shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import httpx
import msgspec

from services.gateway.search.fusion import reciprocal_rank_fusion
from services.gateway.search.hits import Hit
from shared.settings import Settings
from shared.text.lemmas import is_function_word, lemmas, words


class RerankUnavailable(RuntimeError):
    """The reranker gave no usable order (down, slow, or an answer outside the protocol)."""


class Reranker(Protocol):
    name: str

    async def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        """The same hits, best first; raises RerankUnavailable when it cannot say."""
        ...


def query_groups(query: str) -> list[frozenset[str]]:
    """Each content word of the query as the set of its lemmas and its own form (function words dropped when
    the query has other words), as the keyword part of search matches them."""
    found = words(query)
    content = [w for w in found if not is_function_word(w)] or found
    return list(dict.fromkeys(frozenset((*lemmas(w), w)) for w in content))


def coverage(groups: Sequence[frozenset[str]], text: str) -> float:
    """Share of the query's words the text holds in some form (0..1)."""
    if not groups:
        return 0.0
    held = {lemma for word in words(text) for lemma in (*lemmas(word), word)}
    return sum(1 for group in groups if group & held) / len(groups)


# Weights of (incoming order, query words held, similarity) and the RRF constant of the local reranker,
# chosen on the tuning half of data/search_queries.json by bench/search_quality.py (README).
LOCAL_WEIGHTS = (1.0, 1.0, 1.0)
LOCAL_K = 10


class LocalReranker:
    name = "local"

    def __init__(self, weights: tuple[float, float, float] = LOCAL_WEIGHTS, k: int = LOCAL_K) -> None:
        self.weights = weights
        self.k = k

    async def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        groups = query_groups(query)
        refs = [hit.ref for hit in hits]
        position = {ref: i for i, ref in enumerate(refs)}
        held = {hit.ref: coverage(groups, document(hit)) for hit in hits}
        by_words = sorted(refs, key=lambda ref: (-held[ref], position[ref]))
        # A hit without a vector (not embedded: noise, or not yet) has no similarity view; it is not last, absent.
        with_vector = [hit for hit in hits if hit.similarity is not None]
        by_meaning = [h.ref for h in sorted(with_vector, key=lambda h: (-(h.similarity or 0.0), position[h.ref]))]
        fused = reciprocal_rank_fusion([refs, by_words, by_meaning], k=self.k, weights=self.weights)
        found = {hit.ref: hit for hit in hits}
        return [msgspec.structs.replace(found[ref], score=round(score, 6)) for ref, score in fused]


def document(hit: Hit) -> str:
    """What a reranker reads of a hit: a message's text; an atom's or topic's title and its text."""
    if hit.title == hit.text or not hit.title:
        return hit.text
    return f"{hit.title}\n{hit.text}" if hit.text else hit.title


class _Result(msgspec.Struct):
    index: int
    relevance_score: float


class _Answer(msgspec.Struct):
    results: list[_Result]


class HttpReranker:
    """A remote cross-encoder speaking the Cohere/Jina rerank protocol; `url` is the whole endpoint."""

    name = "http"

    def __init__(self, url: str, *, model: str = "", api_key: str = "", timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the rerank URL must be http(s)://…, got {url!r}")
        self.url = url
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def __repr__(self) -> str:  # the key never reaches a log line
        return f"HttpReranker(url={self.url!r}, model={self.model!r})"

    async def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        if not hits:
            return []
        body: dict[str, object] = {"query": query, "documents": [document(hit) for hit in hits], "top_n": len(hits)}
        if self.model:
            body["model"] = self.model
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, json=body, headers=self._headers)
        except httpx.TimeoutException:
            raise RerankUnavailable(f"the reranker did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise RerankUnavailable(f"the reranker could not be reached: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise RerankUnavailable(f"the reranker answered HTTP {response.status_code}")
        try:
            answer = msgspec.json.decode(response.content, type=_Answer)
        except msgspec.DecodeError as exc:
            raise RerankUnavailable(f"the reranker's answer is not the rerank protocol: {exc}") from None
        order: list[Hit] = []
        seen: set[int] = set()
        for result in sorted(answer.results, key=lambda r: -r.relevance_score):
            if not 0 <= result.index < len(hits) or result.index in seen:
                raise RerankUnavailable(
                    f"the reranker named document {result.index} of {len(hits)} twice or out of range"
                )
            seen.add(result.index)
            order.append(msgspec.structs.replace(hits[result.index], score=round(result.relevance_score, 6)))
        # top_n asks for all, but a server may cap it: the rest keep their incoming order below the ranked ones.
        order.extend(hit for i, hit in enumerate(hits) if i not in seen)
        return order


RERANKERS = ("off", "local", "http")


def configured_reranker(settings: Settings) -> Reranker | None:
    """The reranker TT_SEARCH_RERANK names (None for `off`), built once per process: a bad setting fails at
    start, not in every search."""
    kind = settings.search_rerank
    if kind == "off":
        return None
    if kind == "local":
        return LocalReranker()
    if kind == "http":
        if not settings.rerank_url:
            raise ValueError("TT_SEARCH_RERANK=http needs TT_RERANK_URL (the /rerank endpoint)")
        return HttpReranker(
            settings.rerank_url,
            model=settings.rerank_model,
            api_key=settings.rerank_api_key,
            timeout=settings.rerank_timeout_s,
        )
    raise ValueError(f"unknown TT_SEARCH_RERANK {kind!r}; expected one of {list(RERANKERS)}")
