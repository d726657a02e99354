"""Read models `scheduled_extractions` and `auto_approval_rules` (one projection: a rule may belong to a schedule).

Each change event carries the full state, so created and updated are one upsert. Deleting a schedule deletes
its rules. An event that would break a constraint (a name another schedule holds, a rule for a schedule that
does not exist) is skipped with a warning; the API refuses both before publishing.
"""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from services.gateway.projections.knowledge_graph import uuid_or_none
from shared.contracts import Envelope
from shared.contracts.knowledge import (
    AutoApprovalRuleChanged,
    AutoApprovalRuleDeleted,
    ScheduleChanged,
    ScheduleDeleted,
    ScheduleFired,
)
from shared.logging import get_logger

log = get_logger(__name__)
projection = Projection(
    "extraction_schedules",
    reset_sql=("DELETE FROM auto_approval_rules", "DELETE FROM scheduled_extractions"),
)


def _schedule_problem(event: ScheduleChanged) -> str | None:
    if not event.name.strip():
        return "blank name"
    if event.lookback_hours <= 0:
        return "lookback_hours must be positive"
    if event.min_score is not None and not 0 <= event.min_score <= 1:
        return "min_score outside [0, 1]"
    if not 0 <= event.confidence_threshold <= 1:
        return "confidence_threshold outside [0, 1]"
    return None


@projection.on("knowledge.schedule_created", "knowledge.schedule_updated")
async def changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ScheduleChanged = envelope.data
    schedule_id = uuid_or_none(event.schedule_id)
    problem = "malformed id" if schedule_id is None else _schedule_problem(event)
    if problem is None and await conn.fetchval(
        "SELECT 1 FROM scheduled_extractions WHERE name = $1 AND id <> $2", event.name, schedule_id
    ):
        problem = "name taken"
    if problem is not None:
        log.warning("schedule_change_refused", schedule_id=event.schedule_id, reason=problem)
        return
    await conn.execute(
        """
        INSERT INTO scheduled_extractions (id, name, cron, agent_id, chats, min_score, lookback_hours, auto_approve,
                                           confidence_threshold, allowed_atom_types, active, created_at, updated_at,
                                           kind, project_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, cron = EXCLUDED.cron, agent_id = EXCLUDED.agent_id,
            chats = EXCLUDED.chats, min_score = EXCLUDED.min_score, lookback_hours = EXCLUDED.lookback_hours,
            auto_approve = EXCLUDED.auto_approve, confidence_threshold = EXCLUDED.confidence_threshold,
            allowed_atom_types = EXCLUDED.allowed_atom_types, active = EXCLUDED.active,
            updated_at = EXCLUDED.updated_at, kind = EXCLUDED.kind, project_id = EXCLUDED.project_id
        """,
        schedule_id,
        event.name,
        event.cron,
        uuid_or_none(event.agent_id),
        event.chats,
        event.min_score,
        event.lookback_hours,
        event.auto_approve,
        event.confidence_threshold,
        list(event.allowed_atom_types),
        event.active,
        envelope.occurred_at,
        event.kind,
        uuid_or_none(event.project_id),
    )


@projection.on("knowledge.schedule_deleted")
async def deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ScheduleDeleted = envelope.data
    await conn.execute("DELETE FROM scheduled_extractions WHERE id = $1", uuid_or_none(event.schedule_id))


@projection.on("knowledge.schedule_fired")
async def fired(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ScheduleFired = envelope.data
    # greatest() ignores NULL, and a late event for an earlier due time does not move the clock back.
    await conn.execute(
        "UPDATE scheduled_extractions SET last_run_at = greatest(last_run_at, $2) WHERE id = $1",
        uuid_or_none(event.schedule_id),
        event.due_at,
    )


@projection.on("knowledge.auto_approval_rule_created", "knowledge.auto_approval_rule_updated")
async def rule_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AutoApprovalRuleChanged = envelope.data
    rule_id, schedule_id = uuid_or_none(event.rule_id), uuid_or_none(event.schedule_id)
    problem = None
    if rule_id is None:
        problem = "malformed id"
    elif not 0 <= event.min_confidence <= 1:
        problem = "min_confidence outside [0, 1]"
    elif event.schedule_id is not None and (
        schedule_id is None or not await conn.fetchval("SELECT 1 FROM scheduled_extractions WHERE id = $1", schedule_id)
    ):
        problem = "unknown schedule"
    if problem is not None:
        log.warning("auto_approval_rule_refused", rule_id=event.rule_id, reason=problem)
        return
    await conn.execute(
        """
        INSERT INTO auto_approval_rules (id, schedule_id, atom_types, min_confidence, active, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)
        ON CONFLICT (id) DO UPDATE SET schedule_id = EXCLUDED.schedule_id, atom_types = EXCLUDED.atom_types,
            min_confidence = EXCLUDED.min_confidence, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
        """,
        rule_id,
        schedule_id,
        list(event.atom_types),
        event.min_confidence,
        event.active,
        envelope.occurred_at,
    )


@projection.on("knowledge.auto_approval_rule_deleted")
async def rule_deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AutoApprovalRuleDeleted = envelope.data
    await conn.execute("DELETE FROM auto_approval_rules WHERE id = $1", uuid_or_none(event.rule_id))
