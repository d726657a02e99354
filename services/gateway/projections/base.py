"""A projection: event types → SQL on the read model, applied idempotently by the runner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg

from shared.contracts import Envelope

Apply = Callable[[asyncpg.Connection, Envelope, int], Awaitable[None]]
# For hot event types: a run of consecutive events of one type in a few statements instead of several per event.
# It must give the same rows as applying the events one by one, so a replay reproduces live rows exactly.
ApplyMany = Callable[[asyncpg.Connection, Sequence[tuple[Envelope, int]]], Awaitable[None]]


@dataclass
class Projection:
    name: str
    # Statements that empty this projection's tables before a replay (TRUNCATE … RESTART IDENTITY
    # so surrogate ids come out the same, or DELETE where other read models reference the rows).
    reset_sql: tuple[str, ...]
    handlers: dict[str, Apply] = field(default_factory=dict)
    batch_handlers: dict[str, ApplyMany] = field(default_factory=dict)

    def on(self, *event_types: str) -> Callable[[Apply], Apply]:
        def register(fn: Apply) -> Apply:
            for event_type in event_types:
                self.handlers[event_type] = fn
            return fn

        return register

    def on_batch(self, *event_types: str) -> Callable[[ApplyMany], ApplyMany]:
        def register(fn: ApplyMany) -> ApplyMany:
            for event_type in event_types:
                self.batch_handlers[event_type] = fn
            return fn

        return register

    def handles(self, event_type: str) -> bool:
        return event_type in self.handlers or event_type in self.batch_handlers

    @property
    def event_types(self) -> set[str]:
        return set(self.handlers) | set(self.batch_handlers)

    async def apply(self, conn: asyncpg.Connection, event_type: str, items: Sequence[tuple[Envelope, int]]) -> None:
        """Apply consecutive events of one type, in stream order."""
        many = self.batch_handlers.get(event_type)
        if many is not None:
            await many(conn, items)
            return
        one = self.handlers[event_type]
        for envelope, seq in items:
            await one(conn, envelope, seq)
