"""Read model `tasks`."""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from shared.contracts import Envelope
from shared.contracts.tasks import TaskCreated, TaskStatusChanged, TaskUpdated

projection = Projection("tasks", reset_sql=("DELETE FROM tasks",))

# Fields a tasks.updated event may change; anything else in `changes` is ignored.
_UPDATABLE = ("title", "description", "priority", "category", "project_id", "assignee")


@projection.on("tasks.created")
async def created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskCreated = envelope.data
    await conn.execute(
        """
        INSERT INTO tasks (id, title, description, status, priority, category, project_id, assignee,
                           source_message_keys, proposal_id, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
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
        envelope.occurred_at,
    )


@projection.on("tasks.updated")
async def updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskUpdated = envelope.data
    changes = {k: v for k, v in event.changes.items() if k in _UPDATABLE}
    if not changes:
        return
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=3))
    await conn.execute(
        f"UPDATE tasks SET {assignments}, updated_at = $2 WHERE id = $1",  # columns come from _UPDATABLE only
        event.task_id,
        envelope.occurred_at,
        *changes.values(),
    )


@projection.on("tasks.status_changed")
async def status_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TaskStatusChanged = envelope.data
    await conn.execute(
        "UPDATE tasks SET status = $2, updated_at = $3 WHERE id = $1",
        event.task_id,
        event.to_status,
        envelope.occurred_at,
    )
