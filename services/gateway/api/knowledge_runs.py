"""Extraction runs: start one by hand (by message keys or chat + period), list, detail, cooperative cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.gateway.api.knowledge_responses import Run, RunCancelling, RunDetail, RunQueued, shaped
from services.gateway.auth import requires_token
from services.gateway.knowledge.review import REVIEW, reviewer
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.commands import CancelRun, StartExtraction
from shared.contracts.knowledge import ExtractionCancelling, ExtractionQueued

MAX_KEYS = 100
RUN_COLUMNS = """id, status, trigger, agent_id, schedule_id, chat_id, message_keys, period_start, period_end,
    message_count, messages_processed, topics_created, atoms_created, links_created, versions_created,
    tokens_used, prompt_tokens, completion_tokens, error, cancel_requested_by, created_at, started_at, completed_at,
    updated_at,
    extract(epoch FROM coalesce(completed_at, now()) - started_at)::float8 AS duration_s"""


class ExtractRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Either `message_keys` (1–100) or `chat_id` with `period_start` (and optionally `period_end`, default now)."""

    message_keys: list[Annotated[str, msgspec.Meta(min_length=1, max_length=300)]] | None = None
    chat_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    period_start: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    period_end: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    agent_id: UUID | None = None


def _bad(field: str, detail: str) -> ClientException:
    return ClientException(detail=detail, extra=[{"field": field}])


def validate_extract(data: ExtractRequest, now: datetime) -> tuple[list[str], datetime | None, datetime | None]:
    """The run's message keys (deduplicated, in order) or its period; 400 naming the field otherwise."""
    if data.message_keys is not None and data.chat_id is not None:
        raise _bad("message_keys", "give message_keys or chat_id with a period, not both")
    if data.message_keys is not None:
        keys = list(dict.fromkeys(data.message_keys))
        if not 1 <= len(keys) <= MAX_KEYS:
            raise _bad("message_keys", f"message_keys must hold 1 to {MAX_KEYS} distinct keys (got {len(keys)})")
        if data.period_start is not None or data.period_end is not None:
            raise _bad("period_start", "a period goes with chat_id, not with message_keys")
        return keys, None, None
    if data.chat_id is None:
        raise _bad("message_keys", "give message_keys (1–100) or chat_id with period_start")
    if data.period_start is None:
        raise _bad("period_start", "period_start is required with chat_id")
    end = data.period_end or now
    if data.period_start >= end:
        raise _bad("period_end", "period_end must be after period_start")
    return [], data.period_start, end


class KnowledgeRunsController(Controller):
    path = "/api/v1/knowledge"
    tags = ["knowledge"]

    @post("/extract", operation_id="startExtraction", guards=[requires_token], opt=REVIEW, status_code=202)
    async def extract(self, request: Request[Any, Any, Any], data: JSONBody[ExtractRequest]) -> RunQueued:
        """Queue an extraction run; the response is the run (pending). Watch it on the `knowledge` topic."""
        state = request.app.state
        keys, start, end = validate_extract(data, datetime.now(UTC))
        if keys:
            known = {r["key"] for r in await state.pool.fetch("SELECT key FROM messages WHERE key = ANY($1)", keys)}
            unknown = [k for k in keys if k not in known]
            if unknown:
                raise _bad("message_keys", f"unknown message keys: {', '.join(unknown[:10])}")
        else:
            count = await state.pool.fetchval(
                "SELECT count(*) FROM messages WHERE chat_id = $1 AND sent_at >= $2 AND sent_at < $3",
                data.chat_id,
                start,
                end,
            )
            if count == 0:
                raise _bad("chat_id", f"no messages of chat {data.chat_id} in that period")
        if data.agent_id is not None and not await state.pool.fetchval(
            "SELECT 1 FROM agents WHERE id = $1 AND role = 'knowledge_extractor'", data.agent_id
        ):
            raise _bad("agent_id", f"no knowledge_extractor agent {data.agent_id}")
        queued = await queue_run(
            request,
            trigger="manual",
            message_keys=keys,
            chat_id=data.chat_id,
            period_start=start,
            period_end=end,
            agent_id=str(data.agent_id) if data.agent_id else None,
        )
        return shaped(queued, RunQueued)

    @get("/runs", operation_id="listExtractionRuns")
    async def list_runs(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[str | None] = None,
        chat: FromQuery[str | None] = None,
        schedule: FromQuery[UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[Run]:
        """Newest first."""
        rows = await request.app.state.pool.fetch(
            f"""
            SELECT {RUN_COLUMNS} FROM extraction_runs
            WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR chat_id = $2)
              AND ($3::uuid IS NULL OR schedule_id = $3)
            ORDER BY created_at DESC, id DESC LIMIT $4
            """,
            status,
            chat,
            schedule,
            limit,
        )
        return shaped([dict(r) for r in rows], list[Run])

    @get("/runs/{run_id:uuid}", operation_id="getExtractionRun")
    async def detail(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> RunDetail:
        """The run with its counters, timings, token usage, and what it left in the knowledge base."""
        pool = request.app.state.pool
        row = await pool.fetchrow(f"SELECT {RUN_COLUMNS} FROM extraction_runs WHERE id = $1", run_id)
        if row is None:
            raise NotFoundException(f"no extraction run {run_id}")
        produced = await pool.fetchrow(
            """
            SELECT (SELECT count(*) FROM messages WHERE extraction_run_id = $1) AS messages_consumed,
                   (SELECT count(*) FROM topics WHERE extraction_run_id = $1) AS topics,
                   (SELECT count(*) FROM atoms WHERE extraction_run_id = $1) AS atoms,
                   (SELECT count(*) FROM atom_versions WHERE extraction_run_id = $1 AND state = 'proposed')
                   + (SELECT count(*) FROM topic_versions WHERE extraction_run_id = $1 AND state = 'proposed')
                   AS pending_versions
            """,
            run_id,
        )
        return shaped({**dict(row), "in_read_model": dict(produced)}, RunDetail)

    @post(
        "/runs/{run_id:uuid}/cancel",
        operation_id="cancelExtractionRun",
        guards=[requires_token],
        opt=REVIEW,
        status_code=202,
    )
    async def cancel(self, request: Request[Any, Any, Any], run_id: FromPath[UUID]) -> RunCancelling:
        """Ask the run to stop at its next checkpoint; it goes cancelling, then cancelled. 409 if it has ended."""
        state = request.app.state
        who = reviewer(request)
        async with state.locks.hold(f"run:{run_id}"):
            status = await state.pool.fetchval("SELECT status FROM extraction_runs WHERE id = $1", run_id)
            if status is None:
                raise NotFoundException(f"no extraction run {run_id}")
            if status not in ("pending", "running"):
                raise HTTPException(status_code=409, detail=f"run {run_id} is already {status}")
            written = await emit_applied(state, ExtractionCancelling(run_id=str(run_id), requested_by=who))
        cancelling = written.envelope
        await state.publisher.emit(CancelRun(run_id=str(run_id)), caused_by=cancelling)
        return RunCancelling(id=run_id, status="cancelling", requested_by=who, event_id=cancelling.id)


async def queue_run(
    request: Request[Any, Any, Any],
    *,
    trigger: str,
    message_keys: list[str],
    chat_id: str | None,
    period_start: datetime | None,
    period_end: datetime | None,
    agent_id: str | None,
    schedule_id: str | None = None,
) -> dict[str, Any]:
    """Publish `extraction_queued` (the run's row) and the command the extractor acts on; returns the run."""
    state = request.app.state
    run_id = uuid7()
    fields = {
        "run_id": run_id,
        "trigger": trigger,
        "chat_id": chat_id,
        "message_keys": message_keys,
        "period_start": period_start,
        "period_end": period_end,
        "agent_id": agent_id,
        "schedule_id": schedule_id,
    }
    queued = (await emit_applied(state, ExtractionQueued(**fields), msg_id=f"run-queued:{run_id}")).envelope
    await state.publisher.emit(StartExtraction(**fields), caused_by=queued, msg_id=f"run-start:{run_id}")
    return {
        "id": run_id,
        "status": "pending",
        **{k: v for k, v in fields.items() if k != "run_id"},
        "message_count": len(message_keys),
        "created_at": queued.occurred_at,
        "event_id": queued.id,
    }
