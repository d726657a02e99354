"""Real PostgreSQL+pgvector and NATS JetStream for tests: env URLs, else testcontainers, else embedded."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from shared.runtime.servers import start_nats, start_postgres, stop_postgres


@dataclass(frozen=True)
class TestInfra:
    __test__ = False  # a fixture's value, not a test class (pytest would try to collect it by its name)

    admin_database_url: str
    nats_url: str
    how: str


async def create_database(admin_url: str, prefix: str = "tt_test") -> str:
    """A new, empty database with pgvector on the same server; returns its URL."""
    import asyncpg  # local import: infra selection itself needs no driver

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(admin_url, name)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    finally:
        await conn.close()
    return url


async def drop_database(admin_url: str, url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def migrated_database(admin_url: str, prefix: str = "tt_bench") -> str:
    """A fresh database with the whole schema applied (for benchmarks, which run outside an event loop)."""
    import asyncio

    from shared.db import migrate

    url = asyncio.run(create_database(admin_url, prefix))
    migrate.apply(url)
    return url


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database (works for TCP and Unix-socket URLs)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _containers() -> Iterator[TestInfra]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer("pgvector/pgvector:pg16", driver=None) as pg,
        DockerContainer("nats:2.10").with_command("-js").with_exposed_ports(4222) as nats,
    ):
        nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
        yield TestInfra(pg.get_connection_url(), nats_url, "testcontainers")


@contextlib.contextmanager
def _embedded() -> Iterator[TestInfra]:
    root = Path(tempfile.mkdtemp(prefix="tt-test-"))
    os.chmod(root, 0o755)  # pgserver runs postgres as another system user when we are root
    pg_dir = root / "pg"
    url = start_postgres(pg_dir)
    proc, nats_url, _ = start_nats(root / "nats", max_file_store="2GB", sync_always=False)
    try:
        yield TestInfra(url, nats_url, "embedded")
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        stop_postgres(pg_dir)


@contextlib.contextmanager
def test_infra() -> Iterator[TestInfra]:
    db, nats = os.environ.get("TT_TEST_DATABASE_URL"), os.environ.get("TT_TEST_NATS_URL")
    if db and nats:
        yield TestInfra(db, nats, "environment")
    elif _docker_answers():
        with _containers() as infra:
            yield infra
    else:
        with _embedded() as infra:
            yield infra
