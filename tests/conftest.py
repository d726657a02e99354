"""Root fixtures: real PostgreSQL+pgvector and real NATS JetStream, each test isolated."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from shared.testing.gateway import harness  # noqa: F401 - fixture for every test package
from shared.testing.infra import TestInfra, test_infra, with_database


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    with test_infra() as value:
        yield value


@pytest.fixture
async def database_url(infra: TestInfra) -> AsyncIterator[str]:
    """A fresh, empty database (with pgvector) per test, dropped afterwards."""
    name = f"tt_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.admin_database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(infra.admin_database_url, name)
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    await conn.close()
    yield url
    admin = await asyncpg.connect(infra.admin_database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def nats_url(infra: TestInfra) -> str:
    return infra.nats_url


@pytest.fixture
def subject_prefix() -> str:
    """Unique subjects and stream per test: purging a stream does not clear its dedupe window."""
    return f"t{uuid.uuid4().hex[:10]}"
