"""The gateway describes itself: root, health, OpenAPI and the AsyncAPI document of the whole bus."""

from __future__ import annotations

import httpx

from shared.contracts import REGISTRY
from shared.testing.gateway import AUTH, GatewayHarness


async def test_root_health_and_both_api_documents(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        root = (await client.get("/")).json()
        health = (await client.get("/api/health")).json()
        detailed = await client.get("/api/v1/health/detailed")
        openapi = (await client.get("/api/docs/openapi.json")).json()
        asyncapi = (await client.get("/api/asyncapi.json")).json()
        page = await client.get("/api/asyncapi")
        metrics = (await client.get("/metrics")).text
    assert root == {"name": "Task Tracker", "status": "running"}
    assert health["status"] == "ok" and health["timestamp"].endswith("+00:00")
    assert detailed.status_code == 200
    assert {"database", "bus"} <= set(detailed.json()["checks"])
    assert all("operationId" in op for path in openapi["paths"].values() for op in path.values())
    documented = {m["title"] for m in asyncapi["components"]["messages"].values()}
    for spec in REGISTRY.values():
        assert any(title.startswith(spec.subject("tt")) or spec.type in title for title in documented), spec.type
    assert "scorer:messages.ingested" in asyncapi["channels"]
    assert page.status_code == 200 and "asyncapi" in page.text.lower()
    assert "tt_events_consumed_total" in metrics or "tt_projection_last_seq" in metrics
