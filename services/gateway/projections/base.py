"""A projection: event types → SQL on the read model, applied idempotently by the runner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from shared.contracts import Envelope

Apply = Callable[[asyncpg.Connection, Envelope, int], Awaitable[None]]


@dataclass
class Projection:
    name: str
    # Statements that empty this projection's tables before a replay (TRUNCATE … RESTART IDENTITY
    # so surrogate ids come out the same, or DELETE where other read models reference the rows).
    reset_sql: tuple[str, ...]
    handlers: dict[str, Apply] = field(default_factory=dict)

    def on(self, *event_types: str) -> Callable[[Apply], Apply]:
        def register(fn: Apply) -> Apply:
            for event_type in event_types:
                self.handlers[event_type] = fn
            return fn

        return register
