"""Schedules: CRUD (cron checked with croniter) and "run now".

A schedule's kind says what each due time starts: an extraction over its lookback window (chats, min score,
auto-approval apply), or an analysis run over the same window (optionally for a project; its agent a
task_proposer). The extractor's scheduler fires each due time once across replicas.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from croniter import croniter
from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, JSONBody

from services.gateway.api.analysis import AnalysisRun, create_run
from services.gateway.api.knowledge_responses import (
    Deleted,
    RunQueued,
    Schedule,
    ScheduleDetail,
    shaped,
)
from services.gateway.api.knowledge_responses import (
    ScheduleChanged as ScheduleChangedResult,
)
from services.gateway.api.knowledge_runs import queue_run
from services.gateway.auth import requires_token
from services.gateway.errors import bad_field
from services.gateway.knowledge.review import REVIEW
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.common import AtomType, ScheduleKind
from shared.contracts.knowledge import ScheduleChanged, ScheduleDeleted

UNSET = msgspec.UNSET
_COLUMNS = """id, name, cron, kind, project_id, agent_id, chats, min_score, lookback_hours, auto_approve,
    round(confidence_threshold::numeric, 3)::float8 AS confidence_threshold, allowed_atom_types, last_run_at, active,
    created_at, updated_at"""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
Cron = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Chats = list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]]
Score = Annotated[float, msgspec.Meta(ge=0, le=1)]
Hours = Annotated[int, msgspec.Meta(ge=1, le=24 * 90)]


class ScheduleCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    cron: Cron
    kind: ScheduleKind = "extraction"
    project_id: UUID | None = None  # analysis only
    agent_id: UUID | None = None  # a knowledge_extractor (extraction) or task_proposer (analysis) agent
    chats: Chats = []
    min_score: Score | None = None
    lookback_hours: Hours = 24
    auto_approve: bool = False
    confidence_threshold: Score = 0.8
    allowed_atom_types: list[AtomType] = []
    active: bool = True


class ScheduleUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent = keep."""

    name: Name | msgspec.UnsetType = UNSET
    cron: Cron | msgspec.UnsetType = UNSET
    kind: ScheduleKind | msgspec.UnsetType = UNSET
    project_id: UUID | msgspec.UnsetType | None = UNSET
    agent_id: UUID | msgspec.UnsetType | None = UNSET
    chats: Chats | msgspec.UnsetType = UNSET
    min_score: Score | msgspec.UnsetType | None = UNSET
    lookback_hours: Hours | msgspec.UnsetType = UNSET
    auto_approve: bool | msgspec.UnsetType = UNSET
    confidence_threshold: Score | msgspec.UnsetType = UNSET
    allowed_atom_types: list[AtomType] | msgspec.UnsetType = UNSET
    active: bool | msgspec.UnsetType = UNSET


def next_run(cron: str, after: datetime) -> datetime | None:
    try:
        return croniter(cron, after).get_next(datetime)  # type: ignore[no-any-return]
    except (ValueError, KeyError):
        return None


def _schedule_json(row: Any, now: datetime) -> dict[str, Any]:
    item = dict(row)
    item["next_run_at"] = next_run(item["cron"], now) if item["active"] else None
    return item


# Settings that only an extraction uses, and the value that means "not set".
_EXTRACTION_ONLY = {"chats": [], "min_score": None, "auto_approve": False, "allowed_atom_types": []}
_AGENT_ROLE = {"extraction": "knowledge_extractor", "analysis": "task_proposer"}


async def _validated(request: Request[Any, Any, Any], fields: dict[str, Any], schedule_id: UUID | None) -> None:
    pool = request.app.state.pool
    if not croniter.is_valid(fields["cron"]):
        raise bad_field("cron", f"invalid cron expression {fields['cron']!r}")
    kind = fields["kind"]
    if kind == "analysis":
        for name, unset in _EXTRACTION_ONLY.items():
            if fields[name] != unset:
                raise bad_field(name, "applies to extraction schedules only")
        project_id = fields.get("project_id")
        if project_id is not None and not await pool.fetchval("SELECT 1 FROM projects WHERE id = $1", project_id):
            raise bad_field("project_id", f"no project {project_id}")
    elif fields.get("project_id") is not None:
        raise bad_field("project_id", "only analysis schedules name a project")
    agent_id, role = fields.get("agent_id"), _AGENT_ROLE[kind]
    if agent_id is not None and not await pool.fetchval(
        "SELECT 1 FROM agents WHERE id = $1 AND role = $2", UUID(str(agent_id)), role
    ):
        raise bad_field("agent_id", f"no {role} agent {agent_id}")
    taken = await pool.fetchval(
        "SELECT id FROM scheduled_extractions WHERE name = $1 AND id IS DISTINCT FROM $2", fields["name"], schedule_id
    )
    if taken is not None:
        raise HTTPException(status_code=409, detail=f"a schedule named {fields['name']!r} exists ({taken})")


async def _publish(request: Request[Any, Any, Any], schedule_id: str, fields: dict[str, Any], event_type: str) -> Any:
    ids = {name: str(fields[name]) if fields.get(name) else None for name in ("agent_id", "project_id")}
    event = ScheduleChanged(schedule_id=schedule_id, **{**fields, **ids})
    return (await emit_applied(request.app.state, event, event_type=event_type)).envelope


class SchedulesController(Controller):
    path = "/api/v1/knowledge/schedules"
    tags = ["knowledge"]

    @get("/", operation_id="listSchedules")
    async def list_schedules(self, request: Request[Any, Any, Any]) -> list[Schedule]:
        rows = await request.app.state.pool.fetch(f"SELECT {_COLUMNS} FROM scheduled_extractions ORDER BY name")
        now = datetime.now(UTC)
        return shaped([_schedule_json(r, now) for r in rows], list[Schedule])

    @get("/{schedule_id:uuid}", operation_id="getSchedule")
    async def detail(self, request: Request[Any, Any, Any], schedule_id: FromPath[UUID]) -> ScheduleDetail:
        """The schedule, its next due time, its auto-approval rules and its latest runs."""
        pool = request.app.state.pool
        row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM scheduled_extractions WHERE id = $1", schedule_id)
        if row is None:
            raise NotFoundException(f"no schedule {schedule_id}")
        rules = await pool.fetch(
            "SELECT id, atom_types, round(min_confidence::numeric, 3)::float8 AS min_confidence, active"
            " FROM auto_approval_rules WHERE schedule_id = $1 ORDER BY created_at",
            schedule_id,
        )
        runs = await pool.fetch(
            "SELECT id, status, trigger, created_at, completed_at, atoms_created FROM extraction_runs"
            " WHERE schedule_id = $1 ORDER BY created_at DESC LIMIT 10",
            schedule_id,
        )
        analysis_runs = await pool.fetch(
            "SELECT id, status, trigger, window_start, window_end, created_at, completed_at, proposals_total"
            " FROM analysis_runs WHERE schedule_id = $1 ORDER BY created_at DESC LIMIT 10",
            schedule_id,
        )
        body = {
            **_schedule_json(row, datetime.now(UTC)),
            "rules": [dict(r) for r in rules],
            "recent_runs": [dict(r) for r in runs],
            "recent_analysis_runs": [dict(r) for r in analysis_runs],
        }
        return shaped(body, ScheduleDetail)

    @post("/", operation_id="createSchedule", guards=[requires_token], status_code=202)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ScheduleCreate]) -> ScheduleChangedResult:
        fields = msgspec.structs.asdict(data)
        await _validated(request, fields, None)
        schedule_id = uuid7()
        envelope = await _publish(request, schedule_id, fields, "knowledge.schedule_created")
        return shaped({"id": schedule_id, **fields, "event_id": envelope.id}, ScheduleChangedResult)

    @patch("/{schedule_id:uuid}", operation_id="updateSchedule", guards=[requires_token], status_code=202)
    async def update(
        self, request: Request[Any, Any, Any], schedule_id: FromPath[UUID], data: JSONBody[ScheduleUpdate]
    ) -> ScheduleChangedResult:
        row = await request.app.state.pool.fetchrow(
            "SELECT name, cron, kind, project_id, agent_id, chats, min_score, lookback_hours, auto_approve,"
            " confidence_threshold::float8 AS confidence_threshold, allowed_atom_types, active"
            " FROM scheduled_extractions WHERE id = $1",
            schedule_id,
        )
        if row is None:
            raise NotFoundException(f"no schedule {schedule_id}")
        fields = dict(row)
        fields["confidence_threshold"] = round(fields["confidence_threshold"], 6)
        if fields["min_score"] is not None:
            fields["min_score"] = round(fields["min_score"], 6)
        fields.update({k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET})
        await _validated(request, fields, schedule_id)
        envelope = await _publish(request, str(schedule_id), fields, "knowledge.schedule_updated")
        return shaped({"id": schedule_id, **fields, "event_id": envelope.id}, ScheduleChangedResult)

    @delete("/{schedule_id:uuid}", operation_id="deleteSchedule", guards=[requires_token], status_code=202)
    async def remove(self, request: Request[Any, Any, Any], schedule_id: FromPath[UUID]) -> Deleted:
        """Delete the schedule (and its auto-approval rules); its past runs stay."""
        state = request.app.state
        if await state.pool.fetchval("SELECT 1 FROM scheduled_extractions WHERE id = $1", schedule_id) is None:
            raise NotFoundException(f"no schedule {schedule_id}")
        envelope = (await emit_applied(state, ScheduleDeleted(schedule_id=str(schedule_id)))).envelope
        return Deleted(id=schedule_id, deleted=True, event_id=envelope.id)

    @post(
        "/{schedule_id:uuid}/run", operation_id="runScheduleNow", guards=[requires_token], opt=REVIEW, status_code=202
    )
    async def run_now(self, request: Request[Any, Any, Any], schedule_id: FromPath[UUID]) -> RunQueued | AnalysisRun:
        """Start a run of this schedule now, over its lookback window: an extraction schedule queues an extraction
        (its chat filter applies in the stage; answers the queued run), an analysis schedule creates and starts
        an analysis run (answers the run, which has `window_start`)."""
        row = await request.app.state.pool.fetchrow(
            "SELECT name, kind, project_id, agent_id, chats, lookback_hours FROM scheduled_extractions WHERE id = $1",
            schedule_id,
        )
        if row is None:
            raise NotFoundException(f"no schedule {schedule_id}")
        now = datetime.now(UTC)
        start = now - timedelta(hours=row["lookback_hours"])
        trigger = f"scheduled:{row['name']}"
        if row["kind"] == "analysis":
            return await create_run(
                request,
                window_start=start,
                window_end=now,
                project_id=row["project_id"],
                agent_id=row["agent_id"],
                start=True,
                trigger=trigger,
                schedule_id=schedule_id,
            )
        queued = await queue_run(
            request,
            trigger=trigger,
            message_keys=[],
            chat_id=row["chats"][0] if len(row["chats"]) == 1 else None,
            period_start=start,
            period_end=now,
            agent_id=str(row["agent_id"]) if row["agent_id"] else None,
            schedule_id=str(schedule_id),
        )
        return shaped(queued, RunQueued)
