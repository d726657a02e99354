"""Where backfill jobs page chat history from: the `HistorySource` interface and its Telethon adapter.

Telegram cannot be reached from tests, so the job flow depends only on `HistorySource`; tests drive it
with their own implementation, and `TelethonHistorySource` stays a thin loop over `iter_messages`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Protocol

from services.ingest.telethon_convert import to_ingested
from shared.contracts.messages import MessageIngested


class HistorySource(Protocol):
    def iter_history(
        self,
        chat: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        batch_size: int = 100,
    ) -> AsyncIterator[list[MessageIngested]]:
        """Messages of `chat` sent in [since, until), oldest first, in batches of at most `batch_size`.

        `limit` caps the number of history messages read (the job's "depth"); service messages count
        towards it but are not returned.
        """
        ...


def _peer(chat: str) -> int | str:
    # A marked id ("-1001234567890") must reach Telethon as an int; anything else is a username or link.
    return int(chat) if chat.lstrip("-").isdigit() else chat


class TelethonHistorySource:
    """`HistorySource` over a connected `telethon.TelegramClient` (user session)."""

    def __init__(self, client: Any, *, job_id: str | None = None) -> None:
        self._client = client
        self._job_id = job_id

    async def iter_history(
        self,
        chat: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        batch_size: int = 100,
    ) -> AsyncIterator[list[MessageIngested]]:
        entity = await self._client.get_entity(_peer(chat))
        batch: list[MessageIngested] = []
        # reverse=True walks oldest → newest from offset_date, so `until` ends the walk early.
        async for message in self._client.iter_messages(entity, reverse=True, offset_date=since, limit=limit):
            if until is not None and message.date >= until:
                break
            converted = to_ingested(message, channel="backfill", chat=entity, job_id=self._job_id)
            if converted is None:
                continue
            batch.append(converted)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch
