"""The durable event log (`events` table) every projection and WebSocket resume reads from."""

from __future__ import annotations

import asyncpg
import msgspec

from shared.contracts import Envelope, spec_for

_INSERT = """
INSERT INTO events (seq, id, type, subject, topic, version, occurred_at, correlation_id, causation_id,
                    producer, data, headers)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (seq) DO NOTHING
RETURNING seq
"""


async def append(conn: asyncpg.Connection, seq: int, subject: str, envelope: Envelope, headers: dict[str, str]) -> bool:
    """Append one event; False if this sequence is already in the log (a redelivery)."""
    row = await conn.fetchval(
        _INSERT,
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
        msgspec.to_builtins(envelope.data),
        headers,
    )
    return row is not None
