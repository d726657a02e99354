"""`tracker db backup | restore`, backup before migrate, `admin wipe` and `jobs reset-stuck` on real servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from shared.cli import ops
from shared.cli.ops import libpq_target
from shared.contracts.messages import IngestionProgress, IngestionStarted
from shared.db import migrate
from shared.testing.gateway import GatewayHarness

from ..gateway.chat_events import publish_messages
from .conftest import run_cli

SEED = """
INSERT INTO events (seq, id, type, subject, topic, occurred_at, correlation_id, producer, data)
VALUES (1, '0192a8a0-0000-7000-8000-000000000001', 'tasks.created', 'tt.tasks.created', 'tasks', now(), 'c1', 'test',
        '{"title": "Fix login"}'),
       (2, '0192a8a0-0000-7000-8000-000000000002', 'tasks.created', 'tt.tasks.created', 'tasks', now(), 'c2', 'test',
        '{"title": "Дедлайн у п''ятницю"}');
INSERT INTO projection_checkpoints (projection, last_seq) VALUES ('tasks', 2);
INSERT INTO tasks (title, description, embedding, embedding_model)
VALUES ('Fix login', 'users see 500', array_fill(0.25, ARRAY[384])::vector, 'test-model'),
       ('Дедлайн у п''ятницю', '', NULL, NULL);
INSERT INTO chats (chat_id, title, monitored) VALUES ('-1001', 'Team', true);
INSERT INTO topics (name, keywords) VALUES ('Deploy pipeline', '{ci,deploy}');
"""


async def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        out = {}
        for (name,) in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{name}" t')
            out[name] = sorted(r["row"] for r in rows)
        return out
    finally:
        await conn.close()


async def execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def seeded(database_url: str) -> str:
    migrate.apply(database_url)
    await execute(database_url, SEED)
    return database_url


def wipe(url: str) -> str:
    """Both steps of `tracker admin wipe`; returns the confirmation output."""
    first = run_cli("admin", "wipe", "--database-url", url)
    assert first.returncode == 0, first.stderr
    token = first.stdout.split("--confirm", 1)[1].split()[0]
    second = run_cli("admin", "wipe", "--database-url", url, "--confirm", token)
    assert second.returncode == 0, second.stderr
    return second.stdout


async def test_backup_then_wipe_then_restore_gives_back_the_same_rows(seeded: str, tmp_path: Path) -> None:
    before = await snapshot(seeded)
    assert before["tasks"] and before["events"]
    backup = tmp_path / "backup.sql"
    made = run_cli("db", "backup", "--database-url", seeded, "--out", str(backup))
    assert made.returncode == 0, made.stderr
    assert backup.stat().st_size > 0 and not backup.with_name("backup.sql.partial").exists()

    wipe(seeded)
    wiped = await snapshot(seeded)
    assert wiped["tasks"] == wiped["events"] == wiped["chats"] == []
    assert wiped["agents"] == before["agents"], "configuration survives a data wipe"

    restored = run_cli("db", "restore", str(backup), "--database-url", seeded)
    assert restored.returncode == 0, restored.stderr
    assert await snapshot(seeded) == before


async def test_restore_rebuilds_a_dropped_schema(seeded: str, tmp_path: Path) -> None:
    before = await snapshot(seeded)
    backup = tmp_path / "backup.sql"
    assert run_cli("db", "backup", "--database-url", seeded, "--out", str(backup)).returncode == 0
    # The nuclear option: nothing left but an empty schema.
    await execute(seeded, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    restored = run_cli("db", "restore", str(backup), "--database-url", seeded)
    assert restored.returncode == 0, restored.stderr
    assert await snapshot(seeded) == before
    status = run_cli("db", "status", "--database-url", seeded)
    assert "0 pending" in status.stdout


async def test_a_failing_restore_changes_nothing(seeded: str, tmp_path: Path) -> None:
    before = await snapshot(seeded)
    broken = tmp_path / "broken.sql"
    broken.write_text("TRUNCATE tasks;\nTHIS IS NOT SQL;\n")
    result = run_cli("db", "restore", str(broken), "--database-url", seeded)
    assert result.returncode == 1 and "psql failed" in result.stderr
    assert await snapshot(seeded) == before


def test_libpq_tools_get_the_password_outside_the_url_for_tcp_and_socket_urls() -> None:
    target, env = libpq_target("postgresql://tracker:s%40cret@db.example:5432/tracker?sslmode=disable")
    assert target == "postgresql://tracker@db.example:5432/tracker?sslmode=disable"
    assert env == {"PGPASSWORD": "s@cret"}
    socket_target, socket_env = libpq_target("postgresql://postgres:@/tt?host=/tmp/pg")
    assert socket_target == "postgresql://postgres@/tt?host=/tmp/pg" and socket_env == {}


async def test_migrate_backs_up_first_only_when_a_migration_is_pending(database_url: str, tmp_path: Path) -> None:
    env = {"TT_DATA_DIR": str(tmp_path)}
    first = run_cli("db", "migrate", "--database-url", database_url, env=env)
    assert first.returncode == 0, first.stderr
    backups = list((tmp_path / "backups").glob("*.sql"))
    assert len(backups) == 1 and "backup before" in first.stdout
    again = run_cli("db", "migrate", "--database-url", database_url, env=env)
    assert again.returncode == 0 and len(list((tmp_path / "backups").glob("*.sql"))) == 1
    rolled = run_cli("db", "rollback", "--database-url", database_url)
    assert rolled.returncode == 0, rolled.stderr
    skipped = run_cli("db", "migrate", "--no-backup", "--database-url", database_url, env=env)
    assert skipped.returncode == 0 and len(list((tmp_path / "backups").glob("*.sql"))) == 1


async def test_wipe_token_is_single_use_and_expires(seeded: str) -> None:
    bogus = run_cli("admin", "wipe", "--database-url", seeded, "--confirm", "not-a-token")
    assert bogus.returncode == 1 and "expired or already used" in bogus.stderr
    first = run_cli("admin", "wipe", "--database-url", seeded)
    token = first.stdout.split("--confirm", 1)[1].split()[0]
    conn = await asyncpg.connect(seeded)
    try:
        stored = await conn.fetchval("SELECT token_hash FROM admin_wipe_tokens")
        assert stored != token and len(stored) == 64, "only the hash is stored"
        await conn.execute("UPDATE admin_wipe_tokens SET expires_at = now() - interval '1 second'")
    finally:
        await conn.close()
    expired = run_cli("admin", "wipe", "--database-url", seeded, "--confirm", token)
    assert expired.returncode == 1
    assert (await snapshot(seeded))["tasks"], "nothing was wiped"
    wipe(seeded)
    fresh = run_cli("admin", "wipe", "--database-url", seeded)
    reused = fresh.stdout.split("--confirm", 1)[1].split()[0]
    assert run_cli("admin", "wipe", "--database-url", seeded, "--confirm", reused).returncode == 0
    assert run_cli("admin", "wipe", "--database-url", seeded, "--confirm", reused).returncode == 1


async def test_reset_stuck_fails_long_running_jobs_through_the_bus(harness: GatewayHarness, nats_url: str) -> None:
    url = harness.settings.database_url
    async with harness.serve():
        job = "0192a8a0-0000-7000-8000-00000000a001"
        await harness.publisher.emit(IngestionStarted(job_id=job, chats=["-1001"]))
        await harness.publisher.emit(IngestionProgress(job_id=job, fetched=40, stored=35, skipped=5))
        pool: asyncpg.Pool = harness.pool  # type: ignore[assignment]
        async with asyncio.timeout(15):
            while await pool.fetchval("SELECT fetched FROM ingestion_jobs WHERE id = $1", job) != 40:
                await asyncio.sleep(0.05)
        env = {"TT_SUBJECT_PREFIX": harness.settings.subject_prefix}
        young = run_cli("jobs", "reset-stuck", "--database-url", url, "--nats-url", nats_url, env=env)
        assert young.returncode == 0 and "0 stuck job(s)" in young.stdout
        await asyncio.sleep(0.2)
        old = run_cli(
            "jobs", "reset-stuck", "--older-than", "0s", "--database-url", url, "--nats-url", nats_url, env=env
        )
        assert old.returncode == 0 and job in old.stdout, old.stderr
        async with asyncio.timeout(15):
            while True:
                row = await pool.fetchrow(
                    "SELECT status, error, fetched, stored FROM ingestion_jobs WHERE id = $1", job
                )
                if row["status"] == "failed":
                    break
                await asyncio.sleep(0.05)
        assert "reset by operator" in row["error"]
        assert (row["fetched"], row["stored"]) == (40, 35), "counters survive the reset"


async def test_after_a_restore_the_gateway_reapplies_what_the_stream_holds_since_the_backup(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    url = harness.settings.database_url

    async def wait_for_messages(n: int) -> None:
        conn = await asyncpg.connect(url)  # not the pool: the restore recreates every table under it
        try:
            async with asyncio.timeout(15):
                while await conn.fetchval("SELECT count(*) FROM messages") < n:
                    await asyncio.sleep(0.05)
        finally:
            await conn.close()

    async with harness.serve():
        await publish_messages(harness, range(100))
        await wait_for_messages(100)
    backup = ops.backup(url, tmp_path / "backup.sql")
    async with harness.serve():
        await publish_messages(harness, range(100, 250))
        await wait_for_messages(250)
    ops.restore(url, backup)  # the database is back at 100 messages; the consumer is at 250
    async with harness.serve():
        await wait_for_messages(250)
        await asyncio.sleep(0.3)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM messages") == 250
        assert await conn.fetchval("SELECT count(DISTINCT seq) FROM events") == 250
    finally:
        await conn.close()
