"""Analysis runs: create for a window (and a project), start, list, detail, cancel, close.

The extractor stage runs a started run and reports per batch; the counters come from the events. Closing
needs every proposal reviewed (409 with the number still pending) and records approval and rejection rates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from services.gateway.api.rows import one_row
from services.gateway.auth import requires_token
from services.gateway.errors import bad_field, conflict
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.admin import AnalysisRunCancelled, AnalysisRunClosed, AnalysisRunCreated
from shared.contracts.commands import CancelAnalysis, StartAnalysis
from shared.llm.agents import TASK_PROPOSER_AGENT_ID

_COLUMNS = """id, status, window_start, window_end, project_id, agent_id, trigger, schedule_id, messages_in_window,
    messages_after_prefilter, batches, batches_done, batches_failed, proposals_total, proposals_approved,
    proposals_rejected, proposals_merged, proposals_pending, tokens_used, cost_estimate::float8 AS cost_estimate,
    approval_rate, rejection_rate, error, created_at, started_at, completed_at, closed_at, updated_at"""
RunStatus = Literal["pending", "running", "completed", "failed", "cancelled", "closed"]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class RunCreate(msgspec.Struct, forbid_unknown_fields=True):
    window_start: Moment
    window_end: Moment
    project_id: UUID | None = None
    agent_id: UUID | None = None  # default: the system task_proposer agent
    start: bool = False  # start at once (same as POST …/start afterwards)


class AnalysisRun(msgspec.Struct, frozen=True, kw_only=True):
    """A run as the read model holds it (counters from the events; rates recorded on close)."""

    id: UUID
    status: RunStatus
    window_start: datetime
    window_end: datetime
    project_id: UUID | None
    agent_id: UUID | None
    trigger: str  # manual, or scheduled:<schedule name>
    schedule_id: UUID | None
    messages_in_window: int
    messages_after_prefilter: int
    batches: int
    batches_done: int
    batches_failed: int
    proposals_total: int
    proposals_approved: int
    proposals_rejected: int
    proposals_merged: int
    proposals_pending: int
    tokens_used: int
    cost_estimate: float | None
    approval_rate: float | None
    rejection_rate: float | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class AnalysisRunDetail(AnalysisRun):
    recommendations: dict[str, int]  # proposals per recommendation (new_task, update_existing, merge, reject)


class AnalysisRunCancel(AnalysisRun):
    cancel_requested: bool


def _out(row: Any) -> AnalysisRun:
    return msgspec.convert(dict(row), AnalysisRun, strict=False)


async def _row(request: Request[Any, Any, Any], run_id: UUID | str) -> AnalysisRun:
    sql = f"SELECT {_COLUMNS} FROM analysis_runs WHERE id = $1"
    return _out(await one_row(request.app.state.pool, sql, run_id, "analysis run"))


def _with(run: AnalysisRun, shape: Any, **extra: Any) -> Any:
    return shape(**msgspec.structs.asdict(run), **extra)


def rates(approved: int, rejected: int, merged: int) -> tuple[float | None, float | None]:
    """Approval counts proposals that became work (approved or merged into a task); the two rates sum to 1."""
    total = approved + rejected + merged
    if not total:
        return None, None
    return (approved + merged) / total, rejected / total


def _text(value: UUID | None) -> str | None:
    return str(value) if value else None


async def _start(request: Request[Any, Any, Any], run: AnalysisRun) -> None:
    command = StartAnalysis(
        run_id=str(run.id),
        window_start=run.window_start,
        window_end=run.window_end,
        project_id=_text(run.project_id),
        agent_id=_text(run.agent_id),
        trigger=run.trigger,
        schedule_id=_text(run.schedule_id),
    )
    # The stage sets the run running (analysis.run_started); the msg id keeps a double start to one command.
    await request.app.state.publisher.emit(command, msg_id=f"analysis-start:{run.id}")


async def create_run(
    request: Request[Any, Any, Any],
    *,
    window_start: datetime,
    window_end: datetime,
    project_id: UUID | None,
    agent_id: UUID | None,
    start: bool,
    trigger: str = "manual",
    schedule_id: UUID | None = None,
) -> AnalysisRun:
    """Check, publish analysis.run_created, answer once projected; with `start`, also the start command.

    The API's run creation and a schedule's "run now" (the extractor's scheduler publishes the same two).
    """
    if window_end <= window_start:
        raise bad_field("window_end", "must be after window_start")
    pool = request.app.state.pool
    if project_id and not await pool.fetchval("SELECT 1 FROM projects WHERE id = $1", project_id):
        raise bad_field("project_id", f"no project {project_id}")
    agent = str(agent_id or TASK_PROPOSER_AGENT_ID)
    role = await pool.fetchval("SELECT role FROM agents WHERE id = $1", agent)
    if role is None:
        raise bad_field("agent_id", f"no agent {agent}")
    if role != "task_proposer":
        raise bad_field("agent_id", f"agent {agent} has role {role}, not task_proposer")
    run_id = uuid7()
    event = AnalysisRunCreated(
        run_id=run_id,
        window_start=window_start,
        window_end=window_end,
        project_id=_text(project_id),
        agent_id=agent,
        trigger=trigger,
        schedule_id=_text(schedule_id),
    )
    await emit_applied(request.app.state, event)
    run = await _row(request, run_id)
    if start:
        await _start(request, run)
    return run


class AnalysisController(Controller):
    path = "/api/v1/analysis/runs"
    tags = ["analysis"]
    guards = [requires_token]

    @post("/", operation_id="createAnalysisRun", status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[RunCreate]) -> AnalysisRun:
        return await create_run(
            request,
            window_start=data.window_start,
            window_end=data.window_end,
            project_id=data.project_id,
            agent_id=data.agent_id,
            start=data.start,
        )

    @get("/", operation_id="listAnalysisRuns")
    async def list_runs(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[RunStatus | None] = None,
        project_id: FromQuery[UUID | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> list[AnalysisRun]:
        rows = await request.app.state.pool.fetch(
            f"SELECT {_COLUMNS} FROM analysis_runs WHERE ($1::text IS NULL OR status = $1)"
            " AND ($2::uuid IS NULL OR project_id = $2) ORDER BY created_at DESC LIMIT $3",
            status,
            project_id,
            limit,
        )
        return [_out(r) for r in rows]

    @get("/{run_id:uuid}", operation_id="getAnalysisRun")
    async def detail(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> AnalysisRunDetail:
        """The run with its proposals counted by recommendation."""
        run = await _row(request, run_id)
        rows = await request.app.state.pool.fetch(
            "SELECT recommendation, count(*) AS n FROM task_proposals WHERE run_id = $1 GROUP BY recommendation",
            run_id,
        )
        return _with(run, AnalysisRunDetail, recommendations={r["recommendation"]: r["n"] for r in rows})

    @post("/{run_id:uuid}/start", operation_id="startAnalysisRun", status_code=202)
    async def start(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> AnalysisRun:
        """Ask the extractor stage to run it; watch `analysis` on the WebSocket or poll the run."""
        run = await _row(request, run_id)
        if run.status != "pending":
            raise conflict(f"run {run.id} is {run.status}; only a pending run can be started", status=run.status)
        await _start(request, run)
        return run

    @post("/{run_id:uuid}/cancel", operation_id="cancelAnalysisRun", status_code=202)
    async def cancel(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> AnalysisRunCancel:
        """A pending run is cancelled at once; a running one stops at its next batch (the stage reports it)."""
        state = request.app.state
        async with state.locks.hold(str(run_id)):
            run = await _row(request, run_id)
            if run.status == "pending":
                cancelled = AnalysisRunCancelled(run_id=str(run.id), reason="cancelled before it started")
                await emit_applied(state, cancelled)
            elif run.status == "running":
                await state.publisher.emit(CancelAnalysis(run_id=str(run.id)))
            else:
                raise conflict(f"run {run.id} is already {run.status}", status=run.status)
            return _with(await _row(request, run_id), AnalysisRunCancel, cancel_requested=True)

    @post("/{run_id:uuid}/close", operation_id="closeAnalysisRun", status_code=200)
    async def close(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> AnalysisRun:
        """Close a finished run once every proposal is reviewed; records approval and rejection rates."""
        state = request.app.state
        async with state.locks.hold(str(run_id)):
            run = await _row(request, run_id)
            if run.status not in ("completed", "failed", "cancelled"):
                raise conflict(f"run {run.id} is {run.status}; only a finished run can be closed", status=run.status)
            counts = await state.pool.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
                " count(*) FILTER (WHERE status = 'approved') AS approved,"
                " count(*) FILTER (WHERE status = 'rejected') AS rejected,"
                " count(*) FILTER (WHERE status = 'merged') AS merged,"
                " count(*) AS total FROM task_proposals WHERE run_id = $1",
                run.id,
            )
            if counts["pending"]:
                raise conflict(
                    f"{counts['pending']} proposals of run {run.id} are still pending",
                    pending_proposals=counts["pending"],
                )
            approval, rejection = rates(counts["approved"], counts["rejected"], counts["merged"])
            event = AnalysisRunClosed(
                run_id=str(run.id),
                proposals_total=counts["total"],
                proposals_approved=counts["approved"],
                proposals_rejected=counts["rejected"],
                proposals_merged=counts["merged"],
                approval_rate=approval,
                rejection_rate=rejection,
            )
            await emit_applied(state, event)
            return await _row(request, run.id)
