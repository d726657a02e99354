"""Importing a Telegram Desktop export onto the bus: stream, batch, publish with dedupe ids, count.

Batches are published with `publish_many` and a few of them stay in flight while the next one is parsed,
so parsing and the stream's acks overlap. Every chat found is announced with `messages.chat_updated`
(monitored = true, unless the caller opts out): importing a chat says "this chat matters", so its
later webhook and live messages are accepted too.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from services.ingest.export_reader import ExportError, ExportSummary, Rejected, read_export
from services.ingest.publishing import BatchOutcome, KnownKeys, publish_messages
from shared.bus.publisher import Publisher
from shared.contracts.messages import ChatUpdated, MessageIngested

MAX_REJECTED_SHOWN = 20


@dataclass
class ImportReport:
    summary: ExportSummary = field(default_factory=ExportSummary)
    imported: int = 0  # new on the bus
    duplicates: int = 0  # already stored (read model) or dropped by JetStream's dedupe
    rejected_examples: list[Rejected] = field(default_factory=list)
    monitored_chats: list[str] = field(default_factory=list)
    error: ExportError | None = None

    @property
    def published(self) -> int:
        return self.imported + self.duplicates


async def import_export(
    path: str | os.PathLike[str],
    publisher: Publisher,
    *,
    chat: str | None = None,
    batch_size: int = 500,
    monitor: bool = True,
    known: KnownKeys | None = None,
    in_flight: int = 4,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Publish every message of the export; a corrupt file ends the import with `report.error` set.

    Messages read before the fault are published (they are complete and valid) and stay.
    """
    report = ImportReport()
    pending: deque[asyncio.Task[BatchOutcome]] = deque()
    batch: list[MessageIngested] = []
    chats: set[str] = set()

    async def collect(task: asyncio.Task[BatchOutcome]) -> None:
        outcome = await task
        report.imported += outcome.stored
        report.duplicates += outcome.skipped
        if on_progress is not None:
            on_progress(report)

    async def flush() -> None:
        nonlocal batch
        pending.append(asyncio.create_task(publish_messages(publisher, batch, known=known)))
        batch = []
        while len(pending) >= in_flight:
            await collect(pending.popleft())

    try:
        for item in read_export(path, chat=chat, summary=report.summary):
            if isinstance(item, Rejected):
                if len(report.rejected_examples) < MAX_REJECTED_SHOWN:
                    report.rejected_examples.append(item)
                continue
            if monitor and item.chat_id not in chats:
                chats.add(item.chat_id)
                report.monitored_chats.append(item.chat_id)
                await publisher.emit(
                    ChatUpdated(
                        chat_id=item.chat_id,
                        title=item.chat_title,
                        type=item.chat_type,
                        monitored=True,
                        changed_by="import",
                    )
                )
            batch.append(item)
            if len(batch) >= batch_size:
                await flush()
    except ExportError as exc:
        report.error = exc
    except BaseException:
        for task in pending:
            task.cancel()
        raise
    try:
        if batch:
            pending.append(asyncio.create_task(publish_messages(publisher, batch, known=known)))
        while pending:
            await collect(pending.popleft())
    finally:
        for task in pending:  # only left when a publish failed: do not leak the others
            task.cancel()
    return report
