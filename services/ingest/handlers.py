"""Ingest subscribers: backfill job commands (Telegram history paging lands with the ingest issue)."""

from __future__ import annotations

from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.commands import StartIngestionJob
from shared.contracts.messages import IngestionFailed, IngestionStarted


def register(stage: Stage) -> None:
    @stage.handles("cmd.ingest.start_job")
    async def on_start_job(envelope: Envelope, _: Stage) -> None:
        """Run a backfill job over the configured Telegram history source."""
        cmd: StartIngestionJob = envelope.data
        started = IngestionStarted(
            job_id=cmd.job_id,
            chats=cmd.chats,
            since=cmd.since,
            until=cmd.until,
            depth=cmd.depth,
            batch_size=cmd.batch_size,
        )
        await stage.publisher.emit(started, caused_by=envelope, msg_id=f"job-started:{envelope.id}")
        await stage.publisher.emit(
            IngestionFailed(job_id=cmd.job_id, error="no Telegram history source is configured"),
            caused_by=envelope,
            msg_id=f"job-failed:{envelope.id}",
        )
