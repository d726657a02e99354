"""Publishing normalised messages in batches, keyed by their natural key, and counting what was new.

The natural key is the `Nats-Msg-Id`, so JetStream drops a message it has seen within its dedupe window
(`PubAck.duplicate`). Beyond that window the read model's unique key still stores it once; checking the
read model first (when a pool is at hand) keeps the stored / duplicate counters right for old messages too
and spares the bus a re-send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from shared.bus.publisher import Publisher
from shared.contracts import Envelope
from shared.contracts.messages import MessageIngested

KnownKeys = Callable[[list[str]], Awaitable[set[str]]]


@dataclass
class BatchOutcome:
    stored: int = 0  # new on the bus
    skipped: int = 0  # duplicates: already in the read model or dropped by JetStream's dedupe


def read_model_keys(pool: asyncpg.Pool) -> KnownKeys:
    """Which of these keys the `messages` read model already holds."""

    async def known(keys: list[str]) -> set[str]:
        rows = await pool.fetch("SELECT key FROM messages WHERE key = ANY($1::text[])", keys)
        return {row["key"] for row in rows}

    return known


async def publish_messages(
    publisher: Publisher,
    messages: Sequence[MessageIngested],
    *,
    known: KnownKeys | None = None,
    caused_by: Envelope | None = None,
) -> BatchOutcome:
    """Publish one batch without awaiting each ack in turn; returns how many were new and how many duplicates."""
    fresh = list(messages)
    skipped = 0
    if known is not None and fresh:
        existing = await known([m.key for m in fresh])
        if existing:
            fresh = [m for m in fresh if m.key not in existing]
            skipped = len(messages) - len(fresh)
    if not fresh:
        return BatchOutcome(stored=0, skipped=skipped)
    acks = await publisher.publish_many([(publisher.envelope(m, caused_by=caused_by), m.key) for m in fresh])
    duplicates = sum(1 for ack in acks if ack.duplicate)
    return BatchOutcome(stored=len(fresh) - duplicates, skipped=skipped + duplicates)
