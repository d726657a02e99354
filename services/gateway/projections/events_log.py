"""The durable event log (`events` table) every projection and WebSocket resume reads from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from shared.contracts import Envelope, spec_for

COLUMNS = tuple(
    "seq id type subject topic version occurred_at correlation_id causation_id producer data headers".split()
)
Row = tuple[int, str, str, str, str | None, int, datetime, str, str | None, str, msgspec.Raw, dict[str, str]]
_json = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    seq: int
    envelope: Envelope
    headers: dict[str, str]
    data_json: str  # the payload encoded once: stored in the log and sent in WebSocket frames
    row: Row  # the `events` row, built while the previous batch is still in the database

    @classmethod
    def of(cls, seq: int, subject: str, envelope: Envelope, headers: dict[str, str]) -> LoggedEvent:
        data = _json.encode(envelope.data)
        row: Row = (
            seq,
            envelope.id,
            envelope.type,
            subject,
            spec_for(envelope.type).topic,
            envelope.version,
            envelope.occurred_at,
            envelope.correlation_id,
            envelope.causation_id,
            envelope.producer,
            msgspec.Raw(data),  # the jsonb codec writes Raw bytes as they are
            headers,
        )
        return cls(seq, envelope, headers, data.decode(), row)


async def append(conn: asyncpg.Connection, events: Sequence[LoggedEvent], position: int) -> list[LoggedEvent]:
    """Append the events after `position`, the stream sequence the log is committed up to; returns them.

    The log grows in stream order, so anything at or before the position is a redelivery already logged
    (and projected in the same transaction). COPY, since there is nothing to resolve on conflict.
    """
    fresh = [e for e in events if e.seq > position]
    if fresh:
        await conn.copy_records_to_table("events", records=[e.row for e in fresh], columns=COLUMNS)
    return fresh
