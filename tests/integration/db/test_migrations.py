"""The read-model schema: migrations apply and roll back, constraints hold, codecs round-trip."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import numpy as np
import pytest

from shared.cli.db import add_db_commands, describe
from shared.db import migrate
from shared.db.pool import connect, create_pool

READ_MODEL_TABLES = {
    "events",
    "projection_checkpoints",
    "llm_providers",
    "agents",
    "projects",
    "scheduled_extractions",
    "admin_wipe_tokens",
    "topics",
    "extraction_runs",
    "atoms",
    "atom_topics",
    "atom_links",
    "topic_versions",
    "atom_versions",
    "profiles",
    "chats",
    "messages",
    "message_edits",
    "message_classification_history",
    "ingestion_jobs",
    "analysis_runs",
    "tasks",
    "task_proposals",
    "classification_experiments",
}
SENT_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


async def _tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def _index_defs(conn: asyncpg.Connection) -> dict[str, str]:
    rows = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
    return {r["indexname"]: r["indexdef"] for r in rows}


@pytest.fixture
async def migrated(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    migrate.apply(database_url)
    conn = await connect(database_url)
    yield conn
    await conn.close()


async def _insert_message(conn: asyncpg.Connection, chat_id: str, message_id: int, text: str = "hi") -> None:
    await conn.execute(
        "INSERT INTO messages (key, chat_id, message_id, text, sent_at) VALUES ($1, $2, $3, $4, $5)",
        f"telegram:{chat_id}:{message_id}",
        chat_id,
        message_id,
        text,
        SENT_AT,
    )


async def test_migrate_creates_every_read_model_table(migrated: asyncpg.Connection) -> None:
    assert READ_MODEL_TABLES <= await _tables(migrated)


async def test_system_agents_exist_from_the_first_migration_on_the_local_provider(
    migrated: asyncpg.Connection,
) -> None:
    rows = await migrated.fetch(
        "SELECT a.name, a.role, p.name AS provider, p.type FROM agents a "
        "JOIN llm_providers p ON p.id = a.provider_id WHERE a.is_system AND a.active"
    )
    roles = {r["role"] for r in rows}
    assert roles == {"knowledge_extractor", "importance_scorer", "task_proposer", "topic_classifier"}
    assert {(r["provider"], r["type"]) for r in rows} == {("local", "local")}


async def test_the_indexes_the_architecture_names_exist(migrated: asyncpg.Connection) -> None:
    defs = await _index_defs(migrated)
    for table in ("messages", "atoms", "topics"):
        hnsw = [d for d in defs.values() if f"ON public.{table} USING hnsw" in d]
        assert len(hnsw) == 1 and "vector_cosine_ops" in hnsw[0] and "m='16'" in hnsw[0], table
    assert "WHERE (topic_id IS NULL)" in defs["messages_unassigned_idx"]
    assert "(importance_score, sent_at DESC)" in defs["messages_importance_sent_idx"]
    assert "USING gin (search)" in defs["messages_search_idx"]
    assert "(topic, seq)" in defs["events_topic_seq_idx"]


async def test_status_reports_every_migration_applied_and_a_second_migrate_does_nothing(database_url: str) -> None:
    applied = migrate.apply(database_url)
    assert applied == sorted(applied) and len(applied) >= 5
    assert migrate.status(database_url) == [(m, True) for m in applied]
    assert migrate.apply(database_url) == []


async def test_rolling_back_every_step_then_reapplying_round_trips(database_url: str) -> None:
    applied = migrate.apply(database_url)
    rolled_back: list[str] = []
    for _ in applied:  # one step at a time, as an operator would
        rolled_back += migrate.rollback(database_url)
    assert rolled_back == list(reversed(applied))
    assert migrate.rollback(database_url) == []
    assert all(not is_applied for _, is_applied in migrate.status(database_url))
    conn = await connect(database_url)
    try:
        assert not READ_MODEL_TABLES & await _tables(conn)
        assert migrate.apply(database_url) == applied
        assert READ_MODEL_TABLES <= await _tables(conn)
        assert await conn.fetchval("SELECT count(*) FROM agents WHERE is_system") == 4
    finally:
        await conn.close()


async def test_the_same_natural_key_is_stored_once(migrated: asyncpg.Connection) -> None:
    await _insert_message(migrated, "-100123", 42)
    with pytest.raises(asyncpg.UniqueViolationError):
        await _insert_message(migrated, "-100123", 42)


async def test_the_same_telegram_message_id_in_two_chats_is_two_messages(migrated: asyncpg.Connection) -> None:
    await _insert_message(migrated, "-100123", 7)
    await _insert_message(migrated, "-100999", 7)
    assert await migrated.fetchval("SELECT count(*) FROM messages WHERE message_id = 7") == 2


async def test_topic_names_are_unique_whatever_their_case(migrated: asyncpg.Connection) -> None:
    await migrated.execute("INSERT INTO topics (name) VALUES ('Deploy Pipeline')")
    with pytest.raises(asyncpg.UniqueViolationError):
        await migrated.execute("INSERT INTO topics (name) VALUES ('deploy pipeline')")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO topics (name, color) VALUES ('x', 'red')",
        "INSERT INTO atoms (type, title) VALUES ('gossip', 't')",
        "INSERT INTO atoms (type, title) VALUES ('idea', repeat('a', 201))",
        "INSERT INTO atoms (type, title, confidence) VALUES ('idea', 't', 1.5)",
        "INSERT INTO messages (key, chat_id, message_id, sent_at, classification) "
        "VALUES ('telegram:1:1', '1', 1, now(), 'important')",
        "INSERT INTO ingestion_jobs (status) VALUES ('paused')",
        "INSERT INTO agents (name, role) VALUES ('x', 'poet')",
        "INSERT INTO llm_providers (name, type) VALUES ('x', 'anthropic')",
    ],
)
async def test_values_outside_the_spec_enums_and_ranges_are_rejected(
    migrated: asyncpg.Connection, statement: str
) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await migrated.execute(statement)


async def test_keyword_search_uses_the_simple_config_for_every_language(migrated: asyncpg.Connection) -> None:
    await _insert_message(migrated, "1", 1, "Деплой впав на staging")
    await _insert_message(migrated, "1", 2, "Deploy failed on staging")
    hits = await migrated.fetch(
        "SELECT message_id FROM messages WHERE search @@ plainto_tsquery('simple', $1) ORDER BY message_id",
        "деплой",
    )
    assert [r["message_id"] for r in hits] == [1]


async def test_vectors_round_trip_through_the_pool_and_nearest_neighbour_uses_cosine(database_url: str) -> None:
    migrate.apply(database_url)
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((20, 384)).astype(np.float32)
    pool = await create_pool(database_url, max_size=2)
    try:
        async with pool.acquire() as conn:
            for i, vector in enumerate(vectors):
                await conn.execute(
                    "INSERT INTO messages (key, chat_id, message_id, sent_at, embedding, embedding_model, entities) "
                    "VALUES ($1, '1', $2, $3, $4, 'test-model', $5)",
                    f"telegram:1:{i}",
                    i,
                    SENT_AT,
                    vector,
                    [{"type": "bold", "offset": 0, "length": i}],
                )
            query = vectors[13] * 3 + 0.01  # scaled: cosine ignores length, L2 would not
            row = await conn.fetchrow(
                "SELECT message_id, embedding, entities, embedding <=> $1 AS distance "
                "FROM messages WHERE embedding_model = 'test-model' ORDER BY embedding <=> $1 LIMIT 1",
                query,
            )
    finally:
        await pool.close()
    assert row is not None and row["message_id"] == 13
    assert row["distance"] < 0.01
    assert isinstance(row["embedding"], np.ndarray) and row["embedding"].dtype == np.float32
    np.testing.assert_array_equal(row["embedding"], vectors[13])
    assert row["entities"] == [{"type": "bold", "offset": 0, "length": 13}]


async def test_a_vector_of_another_dimension_is_refused(migrated: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.DataError):
        await migrated.execute(
            "INSERT INTO topics (name, embedding, embedding_model) VALUES ('t', $1, 'other-model')",
            np.ones(768, dtype=np.float32),
        )


def test_the_cli_migrates_and_reports_status(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="tracker")
    add_db_commands(parser.add_subparsers(dest="command", required=True))

    for argv in (["db", "migrate"], ["db", "status"], ["db", "rollback", "--steps", "2"]):
        args = parser.parse_args([*argv, "--database-url", database_url])
        assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "applied      0001_event_log" in out
    newest_two = [m.id for m in migrate.migrations()][-2:]
    assert all(f"rolled back  {name}" in out for name in newest_two)
    assert "password" not in out and "postgres:@" not in out
    assert describe("postgresql://u:secret@db.example:5432/tt") == "db.example:5432/tt"


def test_yoyo_gets_the_psycopg3_backend_and_keeps_the_socket_directory() -> None:
    assert (
        migrate.yoyo_url("postgresql://postgres:@/tt?host=/tmp/pg") == "postgresql+psycopg://postgres:@/tt?host=/tmp/pg"
    )
    assert migrate.yoyo_url("postgres://u:p@h:5/d") == "postgresql+psycopg://u:p@h:5/d"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        migrate.yoyo_url("mysql://u@h/d")


async def test_the_newest_first_message_page_is_an_index_range_scan_not_a_sort_of_every_row(
    migrated: asyncpg.Connection,
) -> None:
    from services.gateway.api.messages import page_sql
    from services.gateway.pagination import decode_cursor, encode_cursor
    from services.gateway.where import Where

    await migrated.execute(
        """
        INSERT INTO messages (key, chat_id, message_id, text, sent_at)
        SELECT 'telegram:-5:' || i, '-5', i, 'повідомлення ' || i, now() - i * interval '1 minute'
        FROM generate_series(1, 20000) AS i
        """
    )
    await migrated.execute("ANALYZE messages")
    first, cursor_page = Where(), Where()
    cursor_page.add("(m.sent_at, m.id) < ({}, {})", *decode_cursor(encode_cursor(SENT_AT, 10_000)))
    for where in (first, cursor_page):  # the dashboard's feed and every page after it (bench/api_load.py)
        plan = "\n".join(r[0] for r in await migrated.fetch("EXPLAIN " + page_sql(where, 50), *where.args))
        assert "messages_sent_id_idx" in plan and "Sort" not in plan, plan
