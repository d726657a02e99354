"""Read model `ingestion_jobs`: backfill jobs and their counters.

A job only moves forward: pending → running → completed | failed | cancelled. Late events of a job that
already finished (progress after a cancel, completed after the stuck-job sweeper failed it) change nothing,
except `started`, which re-opens a job that is run again.
"""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from shared.contracts import Envelope
from shared.contracts.messages import (
    IngestionCancelled,
    IngestionCompleted,
    IngestionFailed,
    IngestionProgress,
    IngestionQueued,
    IngestionStarted,
)

projection = Projection("ingestion_jobs", reset_sql=("DELETE FROM ingestion_jobs",))


@projection.on("messages.ingestion.queued")
async def queued(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: IngestionQueued = envelope.data
    await conn.execute(
        """
        INSERT INTO ingestion_jobs (id, status, chats, since, until, depth, batch_size, created_at, updated_at)
        VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $7)
        ON CONFLICT (id) DO NOTHING
        """,
        event.job_id,
        event.chats,
        event.since,
        event.until,
        event.depth,
        event.batch_size,
        envelope.occurred_at,
    )


@projection.on("messages.ingestion.started")
async def started(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: IngestionStarted = envelope.data
    await conn.execute(
        """
        INSERT INTO ingestion_jobs (id, status, chats, since, until, depth, batch_size, created_at, started_at,
                                    updated_at)
        VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $7, $7)
        ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = EXCLUDED.started_at,
            updated_at = EXCLUDED.updated_at, error = NULL, completed_at = NULL,
            fetched = 0, stored = 0, skipped = 0, errors = 0
        WHERE ingestion_jobs.status <> 'cancelled'
        """,
        event.job_id,
        event.chats,
        event.since,
        event.until,
        event.depth,
        event.batch_size,
        envelope.occurred_at,
    )


@projection.on("messages.ingestion.progress")
async def progress(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: IngestionProgress = envelope.data
    await conn.execute(
        """
        UPDATE ingestion_jobs SET fetched = $2, stored = $3, skipped = $4, errors = $5,
            current_chat = coalesce($6, current_chat), updated_at = $7
        WHERE id = $1 AND status = 'running'
        """,
        event.job_id,
        event.fetched,
        event.stored,
        event.skipped,
        event.errors,
        event.current_chat,
        envelope.occurred_at,
    )


@projection.on("messages.ingestion.completed", "messages.ingestion.failed")
async def finished(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: IngestionCompleted | IngestionFailed = envelope.data
    failed = isinstance(event, IngestionFailed)
    await conn.execute(
        """
        UPDATE ingestion_jobs SET status = $2, fetched = $3, stored = $4, skipped = $5, errors = $6, error = $7,
            completed_at = $8, updated_at = $8
        WHERE id = $1 AND status IN ('pending', 'running')
        """,
        event.job_id,
        "failed" if failed else "completed",
        event.fetched,
        event.stored,
        event.skipped,
        event.errors,
        event.error if isinstance(event, IngestionFailed) else None,
        envelope.occurred_at,
    )


@projection.on("messages.ingestion.cancelled")
async def cancelled(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: IngestionCancelled = envelope.data
    await conn.execute(
        """
        UPDATE ingestion_jobs SET status = 'cancelled', error = $2, completed_at = $3, updated_at = $3,
            fetched = coalesce($4, fetched), stored = coalesce($5, stored), skipped = coalesce($6, skipped),
            errors = coalesce($7, errors)
        WHERE id = $1 AND status IN ('pending', 'running')
        """,
        event.job_id,
        event.reason,
        envelope.occurred_at,
        event.fetched,
        event.stored,
        event.skipped,
        event.errors,
    )
