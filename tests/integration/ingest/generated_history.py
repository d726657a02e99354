"""A real in-process `HistorySource` over generated chat history, for driving backfill jobs in tests.

Telegram is unreachable here; this speaks the same interface `TelethonHistorySource` implements. A `gate`
holds the walk after each batch, so a test can act (cancel, wait for the sweeper) while a job is mid-way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from services.ingest.normalise import build_ingested, make_author
from shared.contracts.messages import MessageIngested

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


class GeneratedHistory:
    def __init__(self, chats: dict[str, int], *, gate: asyncio.Event | None = None) -> None:
        self.chats = chats  # chat id → how many messages it holds
        self.gate = gate
        self.batches_served = 0

    def message(self, chat: str, i: int) -> MessageIngested:
        return build_ingested(
            channel="backfill",
            chat_id=chat,
            chat_title=f"Team {chat}",
            chat_type="supergroup",
            message_id=i,
            author=make_author(1000 + i % 4, first_name=f"Dev{i % 4}"),
            text=f"Повідомлення {i}: the build on staging is green again",
            sent_at=START + timedelta(minutes=i),
        )

    async def iter_history(
        self,
        chat: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        batch_size: int = 100,
    ) -> AsyncIterator[list[MessageIngested]]:
        if chat not in self.chats:
            raise ValueError(f"Cannot find any entity corresponding to {chat!r}")
        wanted = [
            m
            for m in (self.message(chat, i) for i in range(1, self.chats[chat] + 1))
            if (since is None or m.sent_at >= since) and (until is None or m.sent_at < until)
        ][:limit]
        for start in range(0, len(wanted), batch_size):
            yield wanted[start : start + batch_size]
            self.batches_served += 1
            if self.gate is not None:
                await self.gate.wait()
