"""Root fixtures: real PostgreSQL+pgvector and real NATS JetStream, each test isolated."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from shared.testing.gateway import harness  # noqa: F401 - fixture for every test package
from shared.testing.infra import TestInfra, create_database, drop_database, test_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    with test_infra() as value:
        yield value


@pytest.fixture
async def database_url(infra: TestInfra) -> AsyncIterator[str]:
    """A fresh, empty database (with pgvector) per test, dropped afterwards."""
    url = await create_database(infra.admin_database_url)
    yield url
    await drop_database(infra.admin_database_url, url)


@pytest.fixture
def nats_url(infra: TestInfra) -> str:
    return infra.nats_url


@pytest.fixture
def subject_prefix() -> str:
    """Unique subjects and stream per test: purging a stream does not clear its dedupe window."""
    return f"t{uuid.uuid4().hex[:10]}"
