"""The documents work offline (no CDN) and a dashboard built while the gateway runs is served at once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from services.gateway.app import create_app
from shared.testing.gateway import GatewayHarness
from shared.testing.running import serving


def external_assets(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page)


async def test_openapi_and_asyncapi_pages_load_nothing_from_other_hosts(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base) as client:
        docs = (await client.get("/api/docs")).text
        asyncapi = (await client.get("/api/asyncapi")).text
        local = re.findall(r"""(?:src|href)=["'](/api/docs/assets/[^"']+)""", docs)
        assets = [await client.get(path) for path in local]
    assert external_assets(docs) == [] and external_assets(asyncapi) == []
    assert any(path.endswith("swagger-ui-bundle.js") for path in local)
    assert all(a.status_code == 200 and len(a.content) > 1000 for a in assets)
    assert "<script" not in asyncapi and "tt.messages.ingested" in asyncapi


async def test_a_dashboard_built_after_start_is_served_without_a_restart(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    app = create_app(harness.settings, dashboard_dist=dist)
    async with serving(app, health_path="/api/health") as base, httpx.AsyncClient(base_url=base) as client:
        before = await client.get("/dashboard/")
        (dist / "assets").mkdir(parents=True)
        (dist / "index.html").write_text("<!doctype html><title>Task Tracker</title>")
        (dist / "assets" / "app.js").write_text("console.log('live')")
        shell = await client.get("/dashboard/")
        deep_link = await client.get("/dashboard/search")
        script = await client.get("/dashboard/assets/app.js")
        escape = await client.get("/dashboard/..%2F..%2Fetc%2Fpasswd")
    assert before.status_code == 404 and "npm run build" in before.json()["detail"]
    assert shell.status_code == 200 and "Task Tracker" in shell.text
    assert deep_link.status_code == 200 and "Task Tracker" in deep_link.text
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert escape.status_code == 404
