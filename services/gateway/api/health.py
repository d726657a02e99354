"""Service root, liveness, detailed health (database, bus, each stage) and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Controller, Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from services.gateway.auth import PUBLIC
from shared.bus.streams import stream_name
from shared.metrics import STREAM_LAST_SEQ, render


async def _check(name: str, probe: Any) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe(), timeout=3.0)
        status = "ok"
    except Exception as exc:
        detail, status = {"error": f"{type(exc).__name__}: {exc}"[:300]}, "error"
    return name, {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}


class HealthController(Controller):
    tags = ["health"]

    @get("/", operation_id="root", include_in_schema=True)
    async def root(self) -> dict[str, str]:
        return {"name": "Task Tracker", "status": "running"}

    @get("/api/health", operation_id="health")
    async def health(self) -> dict[str, str]:
        return {"status": "ok", "timestamp": datetime.now(UTC).isoformat()}

    @get("/api/v1/health/detailed", operation_id="healthDetailed", opt=PUBLIC)
    async def detailed(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        state = request.app.state
        settings = state.settings

        async def database() -> dict[str, Any]:
            await state.pool.fetchval("SELECT 1")
            return {}

        async def bus() -> dict[str, Any]:
            info = await state.js.stream_info(stream_name(state.prefix))
            STREAM_LAST_SEQ.set(info.state.last_seq)
            return {
                "stream": info.config.name,
                "messages": info.state.messages,
                "last_seq": info.state.last_seq,
                "projected_seq": state.committed.applied_seq,
            }

        def stage_probe(url: str) -> Any:
            async def probe() -> dict[str, Any]:
                async with httpx.AsyncClient(timeout=2.5) as client:
                    response = await client.get(f"{url}/health")
                    response.raise_for_status()
                    return {"url": url}

            return probe

        checks = [_check("database", database), _check("bus", bus)]
        checks += [_check(name, stage_probe(url)) for name, url in settings.stage_urls.items()]
        results = dict(await asyncio.gather(*checks))
        healthy = all(r["status"] == "ok" for r in results.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "timestamp": datetime.now(UTC).isoformat(),
            "checks": results,
        }
        return Response(body, status_code=200 if healthy else 503)

    @get("/metrics", operation_id="metrics", include_in_schema=False)
    async def metrics(self) -> Response[bytes]:
        return Response(render(), media_type=CONTENT_TYPE_LATEST)
