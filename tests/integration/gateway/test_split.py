"""The split shape in one event loop: two projectors (one active, one standby) and two stateless API replicas.

Clients on either replica receive every committed event; stopping the active projector hands the lock to
the standby, which continues from the committed position.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from services.gateway.app import create_app
from services.gateway.projections.runner import stream_position
from services.gateway.projector import create_projector_app
from shared.testing.gateway import GatewayHarness, ws_connect
from shared.testing.running import serving

from .chat_events import message
from .test_projection_and_ws import recv_events


class Running:
    """Servers started and stopped one by one (not nested), as processes would be."""

    def __init__(self) -> None:
        self._open: dict[str, contextlib.AbstractAsyncContextManager[str]] = {}

    async def start(self, name: str, server: contextlib.AbstractAsyncContextManager[str]) -> str:
        base = await server.__aenter__()
        self._open[name] = server
        return base

    async def stop(self, name: str) -> None:
        await self._open.pop(name).__aexit__(None, None, None)

    async def stop_all(self) -> None:
        for name in list(self._open):
            await self.stop(name)


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[Running]:
    servers = Running()
    try:
        yield servers
    finally:
        await servers.stop_all()


async def _roles(client: httpx.AsyncClient, bases: dict[str, str]) -> dict[str, str]:
    return {name: (await client.get(f"{base}/health")).json()["role"] for name, base in bases.items()}


async def _until_roles(client: httpx.AsyncClient, bases: dict[str, str], expected: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for _ in range(150):
        roles = await _roles(client, bases)
        if sorted(roles.values()) == expected:
            return roles
        await asyncio.sleep(0.1)
    raise AssertionError(f"projector roles {roles}, expected {expected}")


def _ids(frames: list[dict[str, Any]]) -> list[int]:
    return [f["data"]["message_id"] for f in frames]


async def test_two_api_replicas_relay_everything_and_a_standby_projector_takes_over(harness: GatewayHarness) -> None:
    settings = harness.settings
    async with running() as servers, httpx.AsyncClient(timeout=5) as client:
        projectors = {
            "p1": await servers.start("p1", serving(create_projector_app(settings))),
            "p2": await servers.start("p2", serving(create_projector_app(settings))),
        }
        api = [
            await servers.start(
                f"api{i}", serving(create_app(settings, run_projections=False), health_path="/api/health")
            )
            for i in (1, 2)
        ]
        roles = await _until_roles(client, projectors, ["active", "standby"])
        active = next(name for name, role in roles.items() if role == "active")
        standby = next(name for name, role in roles.items() if role == "standby")
        async with (
            ws_connect(api[0], "topics=messages") as ws_a,
            ws_connect(api[1], "topics=messages") as ws_b,
        ):
            await ws_a.recv()
            await ws_b.recv()
            for i in range(1, 31):
                await harness.publisher.emit(message(i))
            got_a, got_b = await recv_events(ws_a, 30), await recv_events(ws_b, 30)
            assert _ids(got_a) == _ids(got_b) == list(range(1, 31))
            assert [f["seq"] for f in got_a] == [f["seq"] for f in got_b]
            position = await stream_position(harness.pool)  # type: ignore[arg-type]

            await servers.stop(active)
            await _until_roles(client, {standby: projectors[standby]}, ["active"])
            for i in range(31, 41):
                await harness.publisher.emit(message(i))
            more_a, more_b = await recv_events(ws_a, 10), await recv_events(ws_b, 10)
            assert _ids(more_a) == _ids(more_b) == list(range(31, 41))
            assert more_a[0]["seq"] > (position or 0)
        assert await harness.pool.fetchval("SELECT count(*) FROM messages") == 40  # type: ignore[attr-defined]
