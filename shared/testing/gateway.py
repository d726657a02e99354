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
