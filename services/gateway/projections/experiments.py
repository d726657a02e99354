"""Read model `classification_experiments`: pending → running → completed | failed, with the metrics."""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from shared.contracts import Envelope
from shared.contracts.admin import (
    ExperimentCompleted,
    ExperimentCreated,
    ExperimentDeleted,
    ExperimentProgress,
    ExperimentStarted,
)

projection = Projection("experiments", reset_sql=("DELETE FROM classification_experiments",))


@projection.on("experiments.experiment_created")
async def created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExperimentCreated = envelope.data
    await conn.execute(
        """
        INSERT INTO classification_experiments (id, agent_id, provider_id, model, sample_size, status, created_at,
                                                updated_at)
        VALUES ($1, (SELECT id FROM agents WHERE id = $2), (SELECT id FROM llm_providers WHERE id = $3), $4, $5,
                'pending', $6, $6)
        ON CONFLICT (id) DO NOTHING
        """,
        event.experiment_id,
        event.agent_id,
        event.provider_id,
        event.model,
        event.sample_size,
        envelope.occurred_at,
    )


@projection.on("experiments.experiment_started")
async def started(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExperimentStarted = envelope.data
    await conn.execute(
        """
        UPDATE classification_experiments SET status = 'running', started_at = $2, updated_at = $2,
            topics_snapshot = $3, model = coalesce($4, model), sample_size = $5
        WHERE id = $1 AND status = 'pending'
        """,
        event.experiment_id,
        envelope.occurred_at,
        event.topics,
        event.model,
        event.sample_size,
    )


@projection.on("experiments.experiment_progress")
async def progress(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExperimentProgress = envelope.data
    await conn.execute(
        "UPDATE classification_experiments SET processed = greatest(processed, $2), updated_at = $3"
        " WHERE id = $1 AND status = 'running'",
        event.experiment_id,
        event.processed,
        envelope.occurred_at,
    )


@projection.on("experiments.experiment_completed")
async def completed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExperimentCompleted = envelope.data
    await conn.execute(
        """
        UPDATE classification_experiments SET status = $2, accuracy = $3, avg_confidence = $4, avg_latency_ms = $5,
            confusion = $6, results = $7, error = $8, processed = $9, completed_at = $10, updated_at = $10
        WHERE id = $1 AND status IN ('pending', 'running')
        """,
        event.experiment_id,
        event.status,
        event.accuracy,
        event.avg_confidence,
        event.avg_latency_ms,
        event.confusion,
        event.results,
        event.error,
        len(event.results),
        envelope.occurred_at,
    )


@projection.on("experiments.experiment_deleted")
async def deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ExperimentDeleted = envelope.data
    await conn.execute("DELETE FROM classification_experiments WHERE id = $1", event.experiment_id)
