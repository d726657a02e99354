"""Read results cached per committed stream position, computed once however many callers ask at once.

A read model changes only when the projector commits, and every API replica knows the position committed so
far (`RelaySubscriber.applied_seq`, which read-your-writes already waits on). A result computed at position P
is therefore valid for as long as the position stays P: the next commit changes the key, so nothing is ever
served that a newer commit could have changed. A read can trail a commit by as long as the commit notice takes to
reach this replica (about a millisecond; a lost notice is caught up within ~1.25 s), as WebSocket frames do;
a client's own writes are waited for, so it always reads them. Callers asking for the same query while it runs
share that one query (single flight): 50 dashboards on the message feed cost one PostgreSQL query per commit, not 50
(bench/api_load.py). The query runs in its own task, so a caller that goes away does not cancel it for the
others. Changes made outside the projector (`tracker admin wipe`, `replay`, a restore) do not move the position,
so a result is also kept no longer than MAX_AGE_S.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MAX_ENTRIES = 256  # distinct queries kept (filters, cursor pages); the least recently used go first
MAX_AGE_S = 2.0


class PositionCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_s: float = MAX_AGE_S) -> None:
        self.max_entries, self.max_age_s = max_entries, max_age_s
        self._entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._running: dict[tuple[Hashable, int], asyncio.Future[Any]] = {}
        self.hits = self.misses = 0

    async def get(self, key: Hashable, position: int, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The result of `compute()` for `key` as of `position`, computing it only when not already known."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == position and time.monotonic() - entry[1] <= self.max_age_s:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[2]
        flight = self._running.get((key, position))
        if flight is None:
            self.misses += 1
            started = time.monotonic()  # the result is as old as the moment the query began
            flight = asyncio.ensure_future(compute())
            self._running[(key, position)] = flight
            flight.add_done_callback(lambda task: self._store(key, position, started, task))
        return await asyncio.shield(flight)

    def _store(self, key: Hashable, position: int, started: float, task: asyncio.Future[Any]) -> None:
        self._running.pop((key, position), None)
        if task.cancelled() or task.exception() is not None:
            return  # an error is each caller's to see, never remembered
        current = self._entries.get(key)
        if current is not None and current[0] > position:
            return  # a newer position's result is already kept
        self._entries[key] = (position, started, task.result())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
