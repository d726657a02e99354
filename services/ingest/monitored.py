"""The allow-list of monitored chats, read from the `chats` read model and cached briefly.

The live listener sees every chat the user account is in; only monitored ones may enter the system.
A short TTL keeps a PATCH of the flag effective within seconds without a query per Telegram update.
"""

from __future__ import annotations

import time

import asyncpg


class MonitoredChats:
    def __init__(self, pool: asyncpg.Pool, *, ttl_s: float = 10.0, source: str = "telegram") -> None:
        self._pool, self._ttl_s, self._source = pool, ttl_s, source
        self._ids: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")

    async def contains(self, chat_id: str) -> bool:
        if time.monotonic() - self._loaded_at > self._ttl_s:
            rows = await self._pool.fetch("SELECT chat_id FROM chats WHERE source = $1 AND monitored", self._source)
            self._ids = frozenset(row["chat_id"] for row in rows)
            self._loaded_at = time.monotonic()
        return chat_id in self._ids
