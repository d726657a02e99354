"""Backfill jobs: page a chat's history through a `HistorySource`, publish it, report progress, obey cancel.

A start command launches the job as a task and is acked at once: a job can run for hours, far beyond the
consumer's ack wait. If the stage dies mid-job, the job stays `running` in the read model without progress
and the stuck-job sweeper fails it after `job_timeout_s`; running it again is safe because every message
is keyed by its natural key.

Cancel is cooperative: checked between batches, both as a local flag (the cancel command reached this
replica) and in the read model (it reached another replica, which recorded the cancellation).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import msgspec

from services.ingest.publishing import publish_messages, read_model_keys
from services.ingest.source import HistorySource
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.commands import CancelIngestionJob, StartIngestionJob
from shared.contracts.messages import (
    ChatUpdated,
    IngestionCancelled,
    IngestionCompleted,
    IngestionFailed,
    IngestionProgress,
    IngestionStarted,
    MessageIngested,
)
from shared.logging import get_logger
from shared.metrics import INGESTION_JOBS

log = get_logger(__name__)
HistoryFactory = Callable[[str], HistorySource]  # job id → a source for that job
NOT_CONFIGURED = "no Telegram history source: set TELEGRAM_API_ID, TELEGRAM_API_HASH and TELEGRAM_SESSION"


@dataclass
class Counters:
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"fetched": self.fetched, "stored": self.stored, "skipped": self.skipped, "errors": self.errors}


@dataclass
class JobRun:
    command: StartIngestionJob
    cause: Envelope
    counters: Counters = field(default_factory=Counters)
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class JobManager:
    def __init__(self, stage: Stage, pool: asyncpg.Pool | None, history: HistoryFactory | None = None) -> None:
        self._stage = stage
        self._pool = pool
        self.history = history  # set later when the Telegram client connects in the background
        self.runs: dict[str, JobRun] = {}
        self._cancelled_early: set[str] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # -- commands ---------------------------------------------------------------------------
    async def start(self, envelope: Envelope) -> None:
        command: StartIngestionJob = envelope.data
        current = self.runs.get(command.job_id)
        if current is not None and current.task is not None and not current.task.done():
            return  # a redelivered command for a job this replica is already running
        if command.job_id in self._cancelled_early or await self._status(command.job_id) == "cancelled":
            return
        run = JobRun(command, envelope)
        self.runs[command.job_id] = run
        run.task = asyncio.create_task(self._run(run), name=f"ingestion-job-{command.job_id}")

    async def cancel(self, envelope: Envelope) -> None:
        command: CancelIngestionJob = envelope.data
        run = self.runs.get(command.job_id)
        if run is not None and run.task is not None and not run.task.done():
            run.cancel.set()  # the job emits `cancelled` with its counters at its next checkpoint
            return
        # Not running here: not started yet, or running on another replica (which sees the read model).
        self._cancelled_early.add(command.job_id)
        if await self._status(command.job_id) in ("pending", "running", None):
            await self._stage.publisher.emit(
                IngestionCancelled(job_id=command.job_id), caused_by=envelope, msg_id=f"job-cancelled:{command.job_id}"
            )

    # -- the job ----------------------------------------------------------------------------
    async def _run(self, run: JobRun) -> None:
        command, publisher = run.command, self._stage.publisher
        job_id = command.job_id
        started = IngestionStarted(
            job_id=job_id,
            chats=command.chats,
            since=command.since,
            until=command.until,
            depth=command.depth,
            batch_size=command.batch_size,
        )
        await publisher.emit(started, caused_by=run.cause, msg_id=f"job-started:{run.cause.id}")
        INGESTION_JOBS.labels("running").inc()
        try:
            if self.history is None:
                await self._finish(run, IngestionFailed(job_id=job_id, error=NOT_CONFIGURED))
                return
            outcome = await self._page_all(run, self.history(job_id))
            await self._finish(run, outcome)
        except asyncio.CancelledError:
            raise  # stopped by the sweeper (already failed) or by shutdown (the sweeper will fail it)
        except Exception as exc:
            log.exception("ingestion_job_failed", job_id=job_id)
            failed = IngestionFailed(job_id=job_id, error=f"{type(exc).__name__}: {exc}"[:500])
            await self._finish(run, failed)
        finally:
            INGESTION_JOBS.labels("running").dec()

    async def _page_all(
        self, run: JobRun, source: HistorySource
    ) -> IngestionCompleted | IngestionFailed | IngestionCancelled:
        command, counters, publisher = run.command, run.counters, self._stage.publisher
        known = read_model_keys(self._pool) if self._pool is not None else None
        last_error = ""
        for chat in command.chats:
            announced = False
            try:
                async for batch in source.iter_history(
                    chat, since=command.since, until=command.until, limit=command.depth, batch_size=command.batch_size
                ):
                    if await self._cancel_requested(run):
                        return IngestionCancelled(job_id=command.job_id, **counters.as_dict())
                    if not batch:
                        continue
                    if not announced:
                        await self._monitor(batch[0], run.cause)
                        announced = True
                    batch = [m if m.job_id == command.job_id else msgspec.structs.replace(m, job_id=command.job_id)
                             for m in batch]  # fmt: skip
                    outcome = await publish_messages(publisher, batch, known=known, caused_by=run.cause)
                    counters.fetched += len(batch)
                    counters.stored += outcome.stored
                    counters.skipped += outcome.skipped
                    progress = IngestionProgress(job_id=command.job_id, current_chat=chat, **counters.as_dict())
                    await publisher.emit(progress, caused_by=run.cause)
            except Exception as exc:  # one unreachable chat does not sink the others
                counters.errors += 1
                last_error = f"chat {chat}: {type(exc).__name__}: {exc}"[:500]
                log.warning("ingestion_chat_failed", job_id=command.job_id, chat=chat, error=last_error)
        if await self._cancel_requested(run):
            return IngestionCancelled(job_id=command.job_id, **counters.as_dict())
        if counters.errors and counters.errors == len(command.chats):
            return IngestionFailed(job_id=command.job_id, error=last_error, **counters.as_dict())
        return IngestionCompleted(job_id=command.job_id, **counters.as_dict())

    async def _monitor(self, first: MessageIngested, cause: Envelope) -> None:
        """A backfilled chat is wanted: mark it monitored so its live and webhook messages are accepted too."""
        chat = ChatUpdated(
            chat_id=first.chat_id, title=first.chat_title, type=first.chat_type, monitored=True, changed_by="backfill"
        )
        await self._stage.publisher.emit(chat, caused_by=cause)

    async def _finish(self, run: JobRun, event: IngestionCompleted | IngestionFailed | IngestionCancelled) -> None:
        kind = type(event).__name__.removeprefix("Ingestion").lower()
        await self._stage.publisher.emit(event, caused_by=run.cause, msg_id=f"job-{kind}:{run.cause.id}")
        log.info("ingestion_job_finished", job_id=run.command.job_id, outcome=kind, **run.counters.as_dict())

    async def _cancel_requested(self, run: JobRun) -> bool:
        return run.cancel.is_set() or await self._status(run.command.job_id) == "cancelled"

    async def _status(self, job_id: str) -> str | None:
        if self._pool is None:
            return None
        try:
            return await self._pool.fetchval("SELECT status FROM ingestion_jobs WHERE id = $1::uuid", job_id)  # type: ignore[no-any-return]
        except asyncpg.DataError:  # not a UUID: no such job in the read model
            return None

    # -- stuck jobs -------------------------------------------------------------------------
    async def sweep_once(self, timeout_s: float) -> list[str]:
        """Fail every job that has been `running` without progress for longer than `timeout_s`."""
        if self._pool is None:
            return []
        rows = await self._pool.fetch(
            """
            SELECT id::text AS id, fetched, stored, skipped, errors, updated_at FROM ingestion_jobs
            WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1)
            """,
            timeout_s,
        )
        for row in rows:
            run = self.runs.get(row["id"])
            if run is not None and run.task is not None and not run.task.done():
                run.task.cancel()  # hung here (e.g. a history request that never returns)
            failed = IngestionFailed(
                job_id=row["id"],
                error=f"timed out: running without progress for more than {timeout_s:g} s",
                fetched=row["fetched"],
                stored=row["stored"],
                skipped=row["skipped"],
                errors=row["errors"],
            )
            # Keyed by the job's last update, so replicas sweeping together fail it once.
            stamp = int(row["updated_at"].timestamp() * 1000)
            await self._stage.publisher.emit(failed, msg_id=f"job-timeout:{row['id']}:{stamp}")
            log.warning("ingestion_job_timed_out", job_id=row["id"], timeout_s=timeout_s)
        return [row["id"] for row in rows]

    def start_sweeper(self, timeout_s: float) -> None:
        interval = max(0.2, min(60.0, timeout_s / 4))

        async def sweep_forever() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await self.sweep_once(timeout_s)
                except Exception as exc:  # the database may be briefly away; try again next round
                    log.warning("ingestion_sweep_failed", error=str(exc))

        self._sweeper = asyncio.create_task(sweep_forever(), name="ingestion-job-sweeper")

    async def stop(self) -> None:
        tasks = [t for t in (self._sweeper, *(r.task for r in self.runs.values())) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
