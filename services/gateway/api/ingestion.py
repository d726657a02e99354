"""Backfill jobs: start (202, the job at once), list, detail, cancel, and an estimate before starting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from services.gateway.api.responses import CancelRequested, IngestionEstimate, IngestionJob, shaped
from services.gateway.rate_limit import RATE_LIMITED
from shared.contracts import uuid7
from shared.contracts.commands import CancelIngestionJob, StartIngestionJob
from shared.contracts.messages import IngestionQueued

# Telethon reads 100 messages per GetHistory call; about one call a second stays clear of flood waits.
HISTORY_MESSAGES_PER_S = 100.0
MAX_ESTIMATE_CHATS = 200  # one query per chat: a bounded request stays cheap
_JOB_COLUMNS = """id, status, chats, since, until, depth, batch_size, fetched, stored, skipped, errors, current_chat,
    error, created_at, started_at, completed_at, updated_at"""


class JobRequest(msgspec.Struct, forbid_unknown_fields=True):
    chats: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]], msgspec.Meta(min_length=1)]
    since: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    until: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    depth: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)] | None = None
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100


def _check_window(since: datetime | None, until: datetime | None, depth: int | None) -> None:
    if since is None and until is None and depth is None:
        raise ClientException(detail="give a window (since and/or until) or a depth", extra=[{"field": "since"}])
    if since is not None and until is not None and since >= until:
        raise ClientException(detail="since must be before until", extra=[{"field": "until"}])


def _job(row: Any) -> IngestionJob:
    return shaped(dict(row), IngestionJob)  # type: ignore[no-any-return]


class IngestionController(Controller):
    path = "/api/v1/ingestion"
    tags = ["ingestion"]

    @post("/jobs", operation_id="startIngestionJob", status_code=202)
    async def start(self, request: Request[Any, Any, Any], data: JSONBody[JobRequest]) -> IngestionJob:
        """Queue a backfill job; the response is the job as it stands (pending) — poll it or watch `messages`."""
        _check_window(data.since, data.until, data.depth)
        publisher = request.app.state.publisher
        job_id = uuid7()
        fields = {
            "job_id": job_id,
            "chats": data.chats,
            "since": data.since,
            "until": data.until,
            "depth": data.depth,
            "batch_size": data.batch_size,
        }
        # The queued event creates the read-model row (only projections write read models); the command
        # asks the ingest stage to run it.
        queued = await publisher.emit(IngestionQueued(**fields), msg_id=f"job-queued:{job_id}")
        await publisher.emit(StartIngestionJob(**fields), caused_by=queued, msg_id=f"job-start:{job_id}")
        now = queued.occurred_at
        job = {
            "id": job_id,
            "status": "pending",
            **{k: v for k, v in fields.items() if k != "job_id"},
            "fetched": 0,
            "stored": 0,
            "skipped": 0,
            "errors": 0,
            "current_chat": None,
            "error": None,
            "created_at": now,
            "started_at": None,
            "completed_at": None,
            "updated_at": now,
        }
        return shaped(job, IngestionJob)  # type: ignore[no-any-return]

    @get("/jobs", operation_id="listIngestionJobs")
    async def list_jobs(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[str | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> list[IngestionJob]:
        rows = await request.app.state.pool.fetch(
            f"SELECT {_JOB_COLUMNS} FROM ingestion_jobs WHERE ($1::text IS NULL OR status = $1)"
            " ORDER BY created_at DESC LIMIT $2",
            status,
            limit,
        )
        return [_job(r) for r in rows]

    @get("/jobs/{job_id:uuid}", operation_id="getIngestionJob")
    async def detail(self, request: Request[Any, Any, Any], job_id: FromPath[UUID]) -> IngestionJob:
        row = await request.app.state.pool.fetchrow(f"SELECT {_JOB_COLUMNS} FROM ingestion_jobs WHERE id = $1", job_id)
        if row is None:
            raise NotFoundException(f"no ingestion job {job_id}")
        return _job(row)

    @post("/jobs/{job_id:uuid}/cancel", operation_id="cancelIngestionJob", status_code=202)
    async def cancel(self, request: Request[Any, Any, Any], job_id: FromPath[UUID]) -> CancelRequested:
        """Ask the ingest stage to stop the job at its next batch; the job ends as `cancelled`."""
        state = request.app.state
        status = await state.pool.fetchval("SELECT status FROM ingestion_jobs WHERE id = $1", job_id)
        if status is None:
            raise NotFoundException(f"no ingestion job {job_id}")
        if status not in ("pending", "running"):
            raise HTTPException(status_code=409, detail=f"job {job_id} is already {status}")
        await state.publisher.emit(CancelIngestionJob(job_id=str(job_id)))
        return CancelRequested(id=job_id, status=status, cancel_requested=True)

    @get("/estimate", operation_id="estimateIngestion", opt=RATE_LIMITED)
    async def estimate(
        self,
        request: Request[Any, Any, Any],
        chats: Annotated[list[str], Parameter(description="chat ids or @usernames; at most 200 in all")],
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        depth: Annotated[int | None, Parameter(ge=1, le=10_000_000)] = None,
    ) -> IngestionEstimate:
        """How many messages a job would read and roughly how long, from what the read model knows of each chat.

        Telegram cannot be asked cheaply for a count in a window, so the basis is the chat's observed rate
        (messages per day in the read model) over the window, or the depth when given.
        """
        _check_window(since, until, depth)
        chat_ids = [c for part in chats for c in part.split(",") if c]
        if len(chat_ids) > MAX_ESTIMATE_CHATS:
            raise ClientException(
                detail=f"chats: at most {MAX_ESTIMATE_CHATS} per estimate", extra=[{"field": "chats"}]
            )
        pool = request.app.state.pool
        window_end = until or datetime.now(UTC)
        per_chat = []
        for chat in chat_ids:
            row = await pool.fetchrow(
                """
                SELECT count(*) AS total, min(sent_at) AS first, max(sent_at) AS last,
                       count(*) FILTER (WHERE ($2::timestamptz IS NULL OR sent_at >= $2)
                                          AND ($3::timestamptz IS NULL OR sent_at < $3)) AS in_window
                FROM messages WHERE chat_id = $1
                """,
                chat,
                since,
                until,
            )
            basis, estimated = "unknown chat: no messages stored yet", row["in_window"]
            rated = row["total"] >= 2 and since is not None
            if rated:
                days = max((row["last"] - row["first"]).total_seconds() / 86400, 1.0)
                window_days = max((window_end - since).total_seconds() / 86400, 0.0)
                estimated = max(row["in_window"], round(row["total"] / days * window_days))
                basis = f"observed rate {row['total'] / days:.1f} messages/day"
            elif row["total"]:
                basis = "messages already stored in the window"
            if depth is not None:  # the depth caps what is read; without a rate it is the estimate itself
                estimated, basis = (min(depth, estimated), basis) if rated else (depth, "depth (an upper bound)")
            per_chat.append({"chat": chat, "messages": estimated, "already_stored": row["in_window"], "basis": basis})
        total = sum(c["messages"] for c in per_chat)
        estimate = {"messages": total, "seconds": round(total / HISTORY_MESSAGES_PER_S, 1), "chats": per_chat}
        return shaped(estimate, IngestionEstimate)  # type: ignore[no-any-return]
