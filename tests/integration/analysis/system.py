"""The whole pipeline for analysis tests: demo export → scorer stage → gateway → extractor stage, on real
PostgreSQL and JetStream, with an authorised client that keeps every response it got (for the secret checks)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

from services.extractor.app import build_stage as build_extractor
from services.gateway.app import create_app
from services.ingest.importer import import_export
from services.scorer.app import build_stage as build_scorer
from shared.testing.gateway import TOKEN, GatewayHarness, ws_connect
from shared.testing.running import serving

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo" / "telegram_export.json"
WINDOW = {"window_start": "2025-03-09T00:00:00Z", "window_end": "2025-03-16T00:00:00Z"}
SECRET_KEY = "analysis tests passphrase"


@dataclass
class System:
    client: httpx.AsyncClient
    harness: GatewayHarness
    base: str
    responses: list[str] = field(default_factory=list)

    async def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, **kwargs)
        self.responses.append(response.text)
        assert response.status_code == status, f"{method} {path} → {response.status_code}: {response.text}"
        return response.json() if response.content else None

    def ws(self, topics: str) -> Any:
        return ws_connect(self.base, f"topics={topics}")

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.harness.pool.fetchval(sql, *args)  # type: ignore[attr-defined]

    async def wait(self, sql: str, expected: Any, *args: Any, timeout: float = 60.0) -> None:
        async with asyncio.timeout(timeout):
            while await self.fetchval(sql, *args) != expected:
                await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def running_system(harness: GatewayHarness, **overrides: Any) -> AsyncIterator[System]:
    settings = msgspec.structs.replace(harness.settings, **({"secret_key": SECRET_KEY} | overrides))
    async with (
        serving(create_app(settings), health_path="/api/health") as base,
        serving(build_scorer(settings).app),
        serving(build_extractor(settings).app),
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client,
    ):
        yield System(client, harness, base)


async def import_demo(system: System) -> int:
    """Import the demo export and wait until the scorer has scored every message."""
    report = await import_export(DEMO, system.harness.publisher)
    published = report.published
    await system.wait("SELECT count(*) FROM messages WHERE classification IS NOT NULL", published, timeout=120)
    return published


async def frames_until(ws: Any, last_type: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not out or out[-1]["type"] != last_type:
            frame = json.loads(await ws.recv())
            if "seq" in frame:
                out.append(frame)
    return out
