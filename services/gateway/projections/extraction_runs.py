"""Read model `extraction_runs` (+ `messages.extraction_run_id` from messages_consumed).

A run moves pending → running → completed | failed | cancelled, with cancelling between when a person asks.
Late events of a finished run change nothing; `started` again (a redelivered command) keeps a cancelling run
cancelling.
"""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from services.gateway.projections.knowledge_graph import uuid_or_none
from shared.contracts import Envelope
from shared.contracts.knowledge import (
    ExtractionCancelling,
    ExtractionCompleted,
    ExtractionProgress,
    ExtractionQueued,
    ExtractionStarted,
    MessagesConsumed,
)

projection = Projection(
    "extraction_runs",
    reset_sql=(
        "DELETE FROM extraction_runs",
        "UPDATE messages SET extraction_run_id = NULL WHERE extraction_run_id IS NOT NULL",
    ),
)
_OPEN = "('pending', 'running', 'cancelling')"


@projection.on("knowledge.extraction_queued")
async def queued(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExtractionQueued = envelope.data
    run_id = uuid_or_none(event.run_id)
    if run_id is None:
        return
    await conn.execute(
        """
        INSERT INTO extraction_runs (id, status, trigger, agent_id, chat_id, message_keys, period_start, period_end,
                                     message_count, schedule_id, created_at, updated_at)
        VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        ON CONFLICT (id) DO NOTHING
        """,
        run_id,
        event.trigger,
        uuid_or_none(event.agent_id),
        event.chat_id,
        event.message_keys,
        event.period_start,
        event.period_end,
        len(event.message_keys),
        uuid_or_none(event.schedule_id),
        envelope.occurred_at,
    )


@projection.on("knowledge.extraction_started")
async def started(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExtractionStarted = envelope.data
    run_id = uuid_or_none(event.run_id)
    if run_id is None:
        return
    # Runs the stage starts by itself (auto, cron) have no queued event: started creates them.
    await conn.execute(
        f"""
        INSERT INTO extraction_runs (id, status, trigger, agent_id, chat_id, message_keys, message_count,
                                     schedule_id, created_at, started_at, updated_at)
        VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $8, $8, $8)
        ON CONFLICT (id) DO UPDATE SET
            status = CASE WHEN extraction_runs.status = 'cancelling' THEN 'cancelling' ELSE 'running' END,
            agent_id = coalesce(EXCLUDED.agent_id, extraction_runs.agent_id),
            chat_id = coalesce(EXCLUDED.chat_id, extraction_runs.chat_id),
            message_keys = CASE WHEN cardinality(EXCLUDED.message_keys) > 0 THEN EXCLUDED.message_keys
                                ELSE extraction_runs.message_keys END,
            message_count = EXCLUDED.message_count,
            schedule_id = coalesce(EXCLUDED.schedule_id, extraction_runs.schedule_id),
            started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at
        WHERE extraction_runs.status IN {_OPEN}
        """,
        run_id,
        event.trigger,
        uuid_or_none(event.agent_id),
        event.chat_id,
        event.message_keys,
        event.message_count,
        uuid_or_none(event.schedule_id),
        envelope.occurred_at,
    )


@projection.on("knowledge.extraction_progress")
async def progress(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExtractionProgress = envelope.data
    await conn.execute(
        """
        UPDATE extraction_runs SET messages_processed = $2, topics_created = $3, atoms_created = $4,
            links_created = $5, versions_created = $6, tokens_used = $7, updated_at = $8
        WHERE id = $1 AND status IN ('running', 'cancelling')
        """,
        uuid_or_none(event.run_id),
        event.messages_processed,
        event.topics_created,
        event.atoms_created,
        event.links_created,
        event.versions_created,
        event.tokens_used,
        envelope.occurred_at,
    )


@projection.on("knowledge.extraction_cancelling")
async def cancelling(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExtractionCancelling = envelope.data
    await conn.execute(
        """
        UPDATE extraction_runs SET status = 'cancelling', cancel_requested_by = $2, updated_at = $3
        WHERE id = $1 AND status IN ('pending', 'running')
        """,
        uuid_or_none(event.run_id),
        event.requested_by,
        envelope.occurred_at,
    )


@projection.on("knowledge.extraction_completed")
async def completed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExtractionCompleted = envelope.data
    tokens = event.tokens_used or event.prompt_tokens + event.completion_tokens
    await conn.execute(
        f"""
        UPDATE extraction_runs SET status = $2, messages_processed = $3, topics_created = $4, atoms_created = $5,
            links_created = $6, versions_created = $7, tokens_used = $8, prompt_tokens = $9,
            completion_tokens = $10, error = $11, completed_at = $12, updated_at = $12
        WHERE id = $1 AND status IN {_OPEN}
        """,
        uuid_or_none(event.run_id),
        event.status,
        event.messages_processed,
        event.topics_created,
        event.atoms_created,
        event.links_created,
        event.versions_created,
        tokens,
        event.prompt_tokens,
        event.completion_tokens,
        event.error,
        envelope.occurred_at,
    )


@projection.on("knowledge.messages_consumed")
async def consumed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessagesConsumed = envelope.data
    run_id = uuid_or_none(event.run_id)
    if run_id is None or not event.message_keys:
        return
    await conn.execute(
        "UPDATE messages SET extraction_run_id = $1"
        " WHERE key = ANY($2::text[]) AND extraction_run_id IS DISTINCT FROM $1",
        run_id,
        event.message_keys,
    )
