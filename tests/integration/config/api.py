"""A running gateway (with a secret key) and an authorised client for the configuration and tasks tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec

from services.gateway.app import create_app
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.running import serving

AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET_KEY = "a passphrase for the tests"


@contextlib.asynccontextmanager
async def gateway(harness: GatewayHarness, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    configured = msgspec.structs.replace(harness.settings, **({"secret_key": SECRET_KEY} | settings))
    async with (
        serving(create_app(configured), health_path="/api/health") as base,
        httpx.AsyncClient(base_url=base, headers=AUTH, timeout=30) as client,
    ):
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None
