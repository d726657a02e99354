"""A real gateway (uvicorn on loopback) over a migrated database and real JetStream, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
import pytest

from services.gateway.app import create_app
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream
from shared.db import migrate
from shared.db.pool import create_pool
from shared.settings import Settings
from shared.testing.running import serving

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}  # send on every HTTP request: every /api/v1 route needs a token


def ws_url(base: str, query: str = "") -> str:
    """The relay's address for an HTTP base URL; authenticate with `ws_connect` (never a token in the URL)."""
    return base.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else "")


def ws_connect(base: str, query: str = "", token: str = TOKEN, **kwargs: object):  # type: ignore[no-untyped-def]
    """A WebSocket client authenticated by the Authorization header (browsers send a first frame instead)."""
    import websockets

    return websockets.connect(ws_url(base, query), additional_headers={"Authorization": f"Bearer {token}"}, **kwargs)


@dataclass
class GatewayHarness:
    settings: Settings
    publisher: Publisher
    js: nats.js.JetStreamContext
    pool: object

    def app(self):  # type: ignore[no-untyped-def]
        return create_app(self.settings)

    def serve(self):  # type: ignore[no-untyped-def]
        return serving(self.app(), health_path="/api/health")


@pytest.fixture
async def harness(database_url: str, nats_url: str, subject_prefix: str) -> AsyncIterator[GatewayHarness]:
    migrate.apply(database_url)
    settings = Settings(
        database_url=database_url, nats_url=nats_url, subject_prefix=subject_prefix, api_tokens=(TOKEN,)
    )
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    pool = await create_pool(database_url)
    yield GatewayHarness(settings, Publisher(js, producer="test", prefix=subject_prefix), js, pool)
    await pool.close()
    await nc.close()
