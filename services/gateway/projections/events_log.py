"""The durable event log (`events` table) every projection and WebSocket resume reads from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import msgspec

from shared.contracts import Envelope, spec_for

# One statement per batch; JSON goes in as text because asyncpg reads nested lists as array dimensions.
_INSERT_MANY = """
INSERT INTO events (seq, id, type, subject, topic, version, occurred_at, correlation_id, causation_id,
                    producer, data, headers)
SELECT seq, id, type, subject, topic, version, occurred_at, correlation_id, causation_id, producer,
       data::jsonb, headers::jsonb
FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
     AS t(seq, id, type, subject, topic, version, occurred_at, correlation_id, causation_id, producer, data, headers)
ON CONFLICT (seq) DO NOTHING
RETURNING seq
"""
_json = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    seq: int
    subject: str
    envelope: Envelope
    headers: dict[str, str]
    data_json: str  # the payload encoded once: stored in the log and sent in WebSocket frames

    @classmethod
    def of(cls, seq: int, subject: str, envelope: Envelope, headers: dict[str, str]) -> LoggedEvent:
        return cls(seq, subject, envelope, headers, _json.encode(envelope.data).decode())


async def append(conn: asyncpg.Connection, events: Sequence[LoggedEvent]) -> set[int]:
    """Append events; returns the sequences that were new (the rest are redeliveries already logged)."""
    if not events:
        return set()
    columns: list[list[object]] = [[] for _ in range(12)]
    for e in events:
        env = e.envelope
        row = (
            e.seq,
            env.id,
            env.type,
            e.subject,
            spec_for(env.type).topic,
            env.version,
            env.occurred_at,
            env.correlation_id,
            env.causation_id,
            env.producer,
            e.data_json,
            _json.encode(e.headers).decode(),
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    rows = await conn.fetch(_INSERT_MANY, *columns)
    return {r["seq"] for r in rows}
