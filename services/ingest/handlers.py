"""Ingest subscribers: backfill job commands; plus the resources the stage owns (pool, jobs, Telegram)."""

from __future__ import annotations

from services.ingest.jobs import HistoryFactory, JobManager
from services.ingest.listener import TelegramConnection, telegram_configured
from services.ingest.monitored import MonitoredChats
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.db.pool import create_pool
from shared.logging import get_logger

log = get_logger(__name__)


def register(stage: Stage, *, history: HistoryFactory | None = None) -> None:
    """`history` replaces the Telethon source (tests drive jobs through their own `HistorySource`)."""

    @stage.on_start
    async def open_resources(stage: Stage) -> None:
        settings = stage.settings
        # The read models are the stage's view of monitored chats and of stuck jobs; without them it still
        # runs jobs, but cannot sweep or filter live messages.
        pool = await create_pool(settings.database_url, max_size=4) if settings.database_url else None
        jobs = JobManager(stage, pool, history)
        stage.state.update(pool=pool, jobs=jobs)
        if pool is not None:
            jobs.start_sweeper(settings.job_timeout_s)
        if telegram_configured(settings) and pool is not None:
            telegram = TelegramConnection(settings, stage.publisher, MonitoredChats(pool), jobs)
            telegram.start()
            stage.state["telegram"] = telegram
        elif telegram_configured(settings):
            log.warning("telegram_listener_disabled", reason="DATABASE_URL is needed for the monitored-chat list")

    @stage.on_stop
    async def close_resources(stage: Stage) -> None:
        if "telegram" in stage.state:
            await stage.state["telegram"].stop()
        await stage.state["jobs"].stop()
        if stage.state.get("pool") is not None:
            await stage.state["pool"].close()

    @stage.handles("cmd.ingest.start_job")
    async def on_start_job(envelope: Envelope, stage: Stage) -> None:
        """Start a backfill job: page the chats' history and publish it as `messages.ingested`."""
        await stage.state["jobs"].start(envelope)

    @stage.handles("cmd.ingest.cancel_job")
    async def on_cancel_job(envelope: Envelope, stage: Stage) -> None:
        """Cancel a backfill job at its next checkpoint (between batches)."""
        await stage.state["jobs"].cancel(envelope)
