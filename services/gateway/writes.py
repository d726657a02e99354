"""Writes from the API: publish the event, then wait until the projector has applied it.

Only the projector writes read models, so a route that answers with the row it changed (or checks a state
before the next request, like "approving an approved proposal is a conflict") first waits for its event to be
committed: read-your-writes for the caller. One lock per entity serialises a gateway's reviews of one entity;
across gateways the deterministic `Nats-Msg-Id` of the review event makes the second review a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from litestar.datastructures import State

from shared.contracts import Envelope, EventData
from shared.logging import get_logger

log = get_logger(__name__)
APPLY_TIMEOUT_S = 10.0


@dataclass
class Written:
    envelope: Envelope
    seq: int
    duplicate: bool  # JetStream already held an event with this msg id: nothing new was written


async def emit_applied(
    state: State,
    data: EventData,
    *,
    event_type: str | None = None,
    msg_id: str | None = None,
    caused_by: Envelope | None = None,
) -> Written:
    """Publish one event and return once the projector has committed it (or after APPLY_TIMEOUT_S)."""
    publisher = state.publisher
    envelope = publisher.envelope(data, event_type=event_type, caused_by=caused_by)
    ack = await publisher.publish(envelope, msg_id=msg_id)
    await until_applied(state, ack.seq)
    return Written(envelope, ack.seq, bool(ack.duplicate))


async def until_applied(state: State, seq: int, timeout: float = APPLY_TIMEOUT_S) -> bool:
    committed = state.committed  # the projector's commit notices, wherever the projector runs
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while committed.applied_seq < seq:
        if loop.time() >= deadline:
            # The event is durable on the stream and will be applied; the answer may just be stale.
            log.warning("projection_lagging", seq=seq, applied=committed.applied_seq)
            return False
        await asyncio.sleep(0.01)
    return True


@dataclass
class EntityLocks:
    """asyncio locks by entity id, dropped when nobody holds or waits for them."""

    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _users: dict[str, int] = field(default_factory=dict)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
