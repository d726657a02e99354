"""Read models `analysis_runs`, `task_proposals` and `tasks`: one projection, as they refer to each other.

A run's proposal counters are kept from the proposals events (created / approved / rejected / merged), not
from what the stage reports, so they always agree with the proposals table. A proposal is reviewed once: a
second review event (a race between two reviewers) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.gateway.projections.base import Projection
from services.gateway.projections.knowledge_graph import uuid_or_none
from shared.contracts import Envelope
from shared.contracts.admin import (
    AnalysisRunCancelled,
    AnalysisRunClosed,
    AnalysisRunCompleted,
    AnalysisRunCreated,
    AnalysisRunFailed,
    AnalysisRunProgress,
    AnalysisRunStarted,
)
from shared.contracts.tasks import (
    ProposalApproved,
    ProposalCreated,
    ProposalMerged,
    ProposalRejected,
    ProposalUpdated,
    TaskCreated,
    TaskDeleted,
    TaskStatusChanged,
    TaskUpdated,
)

projection = Projection("tasks", reset_sql=("DELETE FROM analysis_runs", "DELETE FROM tasks"))

# Fields a tasks.updated / proposals.updated event may change; anything else in `changes` is ignored.
TASK_UPDATABLE = ("title", "description", "priority", "category", "project_id", "assignee")
PROPOSAL_UPDATABLE = ("title", "description", "priority", "category", "project_id", "tags")
# A run that ended stays as it ended: late events of the stage do not re-open it.
_FINISHED = "('completed', 'failed', 'cancelled', 'closed')"


async def _update_columns(
    conn: asyncpg.Connection, table: str, row_id: str, changes: dict[str, object], envelope: Envelope, where: str = ""
) -> None:
    if not changes:
        return
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=3))
    await conn.execute(
        # table, columns and condition come from this module only, never from the event
        f"UPDATE {table} SET {assignments}, updated_at = $2 WHERE id = $1 {where}",
        row_id,
        envelope.occurred_at,
        *changes.values(),
    )


# A task's vector is the centroid of its messages' embeddings (one model only), so the analysis stage finds
# the existing task nearest a new proposal (tasks.embedding, HNSW) without an embedding call of its own.
_EMBED_FROM_MESSAGES = """
UPDATE tasks t SET (embedding, embedding_model) = (
    SELECT avg(m.embedding), min(m.embedding_model) FROM messages m
    WHERE m.key = ANY(t.source_message_keys) AND m.embedding IS NOT NULL
    HAVING count(DISTINCT m.embedding_model) = 1)
WHERE t.id = $1
"""

# --- tasks ---


@projection.on("tasks.created")
async def task_created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskCreated = envelope.data
    await conn.execute(
        """
        INSERT INTO tasks (id, title, description, status, priority, category, project_id, assignee,
                           source_message_keys, proposal_id, atom_ids, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM projects WHERE id = $7), $8, $9, $10, $11, $12, $12)
        ON CONFLICT (id) DO NOTHING
        """,
        event.task_id,
        event.title,
        event.description,
        event.status,
        event.priority,
        event.category,
        event.project_id,
        event.assignee,
        event.source_message_keys,
        event.proposal_id,
        event.atom_ids,
        envelope.occurred_at,
    )
    if event.source_message_keys:
        await conn.execute(_EMBED_FROM_MESSAGES, event.task_id)


@projection.on("tasks.updated")
async def task_updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskUpdated = envelope.data
    changes = {k: v for k, v in event.changes.items() if k in TASK_UPDATABLE}
    await _update_columns(conn, "tasks", event.task_id, changes, envelope)


@projection.on("tasks.status_changed")
async def task_status_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskStatusChanged = envelope.data
    await conn.execute(
        "UPDATE tasks SET status = $2, updated_at = $3 WHERE id = $1",
        event.task_id,
        event.to_status,
        envelope.occurred_at,
    )


@projection.on("tasks.deleted")
async def task_deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskDeleted = envelope.data
    await conn.execute("DELETE FROM tasks WHERE id = $1", event.task_id)


# --- analysis runs ---


# Created (pending) and started (running) write one row: a scheduled or redelivered start may come without a
# created event, so the start inserts the run too; a start only moves a run that has not ended.
_UPSERT_RUN = f"""
INSERT INTO analysis_runs (id, status, window_start, window_end, project_id, agent_id, trigger, schedule_id,
                           messages_in_window, messages_after_prefilter, batches, created_at, started_at, updated_at)
VALUES ($1, $2, $3, $4, (SELECT id FROM projects WHERE id = $5), (SELECT id FROM agents WHERE id = $6), $7, $8,
        $9, $10, $11, $12, $13, $12)
ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = EXCLUDED.started_at,
    messages_in_window = EXCLUDED.messages_in_window, messages_after_prefilter = EXCLUDED.messages_after_prefilter,
    batches = EXCLUDED.batches, updated_at = EXCLUDED.updated_at
WHERE EXCLUDED.status = 'running' AND analysis_runs.status NOT IN {_FINISHED}
"""


async def _upsert_run(
    conn: asyncpg.Connection, event: AnalysisRunCreated | AnalysisRunStarted, at: datetime, started: bool
) -> None:
    counts = (
        (event.messages_in_window, event.messages_after_prefilter, event.batches_total)
        if isinstance(event, AnalysisRunStarted)
        else (0, 0, 0)
    )
    await conn.execute(
        _UPSERT_RUN,
        event.run_id,
        "running" if started else "pending",
        event.window_start,
        event.window_end,
        event.project_id,
        event.agent_id,
        event.trigger,
        uuid_or_none(event.schedule_id),
        *counts,
        at,
        at if started else None,
    )


@projection.on("analysis.run_created")
async def run_created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    await _upsert_run(conn, envelope.data, envelope.occurred_at, started=False)


@projection.on("analysis.run_started")
async def run_started(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    await _upsert_run(conn, envelope.data, envelope.occurred_at, started=True)


@projection.on("analysis.run_progress")
async def run_progress(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AnalysisRunProgress = envelope.data
    await conn.execute(
        f"""
        UPDATE analysis_runs SET batches_done = greatest(batches_done, $2), batches = $3,
            batches_failed = greatest(batches_failed, $4), tokens_used = greatest(tokens_used, $5),
            error = coalesce($6, error), updated_at = $7
        WHERE id = $1 AND status NOT IN {_FINISHED}
        """,
        event.run_id,
        event.batches_done,
        event.batches_total,
        event.batches_failed,
        event.tokens_used,
        event.batch_error,
        envelope.occurred_at,
    )


@projection.on("analysis.run_completed")
async def run_completed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AnalysisRunCompleted = envelope.data
    await conn.execute(
        f"""
        UPDATE analysis_runs SET status = 'completed', completed_at = $2, updated_at = $2,
            messages_in_window = $3, messages_after_prefilter = $4, batches = $5, batches_done = $5,
            tokens_used = greatest(tokens_used, $6)
        WHERE id = $1 AND status NOT IN {_FINISHED}
        """,
        event.run_id,
        envelope.occurred_at,
        event.messages_in_window,
        event.messages_after_prefilter,
        event.batches,
        event.tokens_used,
    )


async def _end_run(conn: asyncpg.Connection, run_id: str, status: str, reason: str | None, at: datetime) -> None:
    """Failed or cancelled with the reason (a cancel without one keeps the last batch error)."""
    await conn.execute(
        f"""
        UPDATE analysis_runs SET status = $2, error = coalesce($3, error), completed_at = $4, updated_at = $4
        WHERE id = $1 AND status NOT IN {_FINISHED}
        """,
        run_id,
        status,
        reason,
        at,
    )


@projection.on("analysis.run_failed")
async def run_failed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AnalysisRunFailed = envelope.data
    await _end_run(conn, event.run_id, "failed", event.error, envelope.occurred_at)


@projection.on("analysis.run_cancelled")
async def run_cancelled(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AnalysisRunCancelled = envelope.data
    await _end_run(conn, event.run_id, "cancelled", event.reason, envelope.occurred_at)


@projection.on("analysis.run_closed")
async def run_closed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AnalysisRunClosed = envelope.data
    await conn.execute(
        """
        UPDATE analysis_runs SET status = 'closed', approval_rate = $2, rejection_rate = $3, closed_at = $4,
            updated_at = $4
        WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled')
        """,
        event.run_id,
        event.approval_rate,
        event.rejection_rate,
        envelope.occurred_at,
    )


# --- proposals ---


@projection.on("proposals.created")
async def proposal_created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProposalCreated = envelope.data
    await conn.execute(
        """
        WITH inserted AS (
            INSERT INTO task_proposals (id, run_id, title, description, priority, category, project_id, tags,
                                        confidence, reasoning, recommendation, source_message_keys,
                                        similar_task_id, similarity, atom_ids, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM projects WHERE id = $7), $8, $9, $10, $11, $12,
                    (SELECT id FROM tasks WHERE id = $13), $14, $15, $16, $16)
            ON CONFLICT (id) DO NOTHING
            RETURNING run_id
        )
        UPDATE analysis_runs SET proposals_total = proposals_total + 1, proposals_pending = proposals_pending + 1,
            updated_at = $16
        WHERE id IN (SELECT run_id FROM inserted)
        """,
        event.proposal_id,
        event.run_id,
        event.title,
        event.description,
        event.priority,
        event.category,
        event.project_id,
        event.tags,
        event.confidence,
        event.reasoning,
        event.recommendation,
        event.source_message_keys,
        event.similar_task_id,
        event.similarity,
        event.atom_ids,
        envelope.occurred_at,
    )


@projection.on("proposals.updated")
async def proposal_updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProposalUpdated = envelope.data
    changes = {k: v for k, v in event.changes.items() if k in PROPOSAL_UPDATABLE}
    await _update_columns(conn, "task_proposals", event.proposal_id, changes, envelope, "AND status = 'pending'")


async def _review(
    conn: asyncpg.Connection,
    envelope: Envelope,
    proposal_id: str,
    status: str,
    task_id: str | None,
    reviewer: str,
    notes: str | None,
) -> bool:
    """Mark a pending proposal reviewed and move its run's counters; False when it was already reviewed."""
    run_id = await conn.fetchval(
        """
        UPDATE task_proposals SET status = $2, task_id = (SELECT id FROM tasks WHERE id = $3), reviewer = $4,
            review_notes = $5, reviewed_at = $6, updated_at = $6
        WHERE id = $1 AND status = 'pending'
        RETURNING run_id
        """,
        proposal_id,
        status,
        task_id,
        reviewer,
        notes,
        envelope.occurred_at,
    )
    if run_id is None:
        return False
    column = {"approved": "proposals_approved", "rejected": "proposals_rejected", "merged": "proposals_merged"}[status]
    await conn.execute(
        f"UPDATE analysis_runs SET {column} = {column} + 1, proposals_pending = proposals_pending - 1,"
        " updated_at = $2 WHERE id = $1",
        run_id,
        envelope.occurred_at,
    )
    return True


@projection.on("proposals.approved")
async def proposal_approved(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProposalApproved = envelope.data
    await _review(conn, envelope, event.proposal_id, "approved", event.task_id, event.reviewer, event.notes)


@projection.on("proposals.rejected")
async def proposal_rejected(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProposalRejected = envelope.data
    await _review(conn, envelope, event.proposal_id, "rejected", None, event.reviewer, event.reason)


@projection.on("proposals.merged")
async def proposal_merged(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProposalMerged = envelope.data
    if not await _review(conn, envelope, event.proposal_id, "merged", event.task_id, event.reviewer, event.notes):
        return
    # The task gains the evidence, each key and atom once, in the order first seen.
    await conn.execute(
        """
        UPDATE tasks SET
            source_message_keys = ARRAY(SELECT k FROM unnest(source_message_keys || $2::text[])
                                        WITH ORDINALITY AS t(k, n) GROUP BY k ORDER BY min(n)),
            atom_ids = ARRAY(SELECT a FROM unnest(atom_ids || $3::uuid[]) WITH ORDINALITY AS t(a, n)
                             GROUP BY a ORDER BY min(n)),
            updated_at = $4
        WHERE id = $1
        """,
        event.task_id,
        event.source_message_keys,
        event.atom_ids,
        envelope.occurred_at,
    )
    await conn.execute(_EMBED_FROM_MESSAGES, event.task_id)
