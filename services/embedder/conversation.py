"""Reads the conversation around short messages from the read model (the embedder only reads it).

The batch being embedded is consulted first: during an import the read model may not hold the previous
messages yet, while the batch (every scored message, noise included, in stream order) does.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.embedder.context import MAX_CONTEXT_MESSAGES, Said, context_text, is_short, preceding
from services.embedder.selection import Pending
from shared.contracts import Envelope
from shared.contracts.noise_filtering import MessageScored

_CONTEXT_SQL = """
SELECT m.key, r.text AS reply_text,
       ARRAY(SELECT p.text FROM messages AS p
             WHERE p.chat_id = m.chat_id AND p.source = m.source AND p.key <> m.key
               AND p.sent_at < m.sent_at AND p.sent_at >= m.sent_at - $2::interval
               AND p.effective_classification IS DISTINCT FROM 'noise' AND p.text <> ''
             ORDER BY p.sent_at DESC LIMIT $3) AS previous
FROM messages AS m
LEFT JOIN messages AS r
       ON r.source = m.source AND r.chat_id = m.chat_id AND r.message_id = m.reply_to_message_id
WHERE m.key = ANY($1::text[])
"""


def _said(event: MessageScored) -> Said:
    return Said(event.chat_id, event.sent_at, event.text, noise=event.classification == "noise")


async def contextualised(
    items: list[Pending], batch: list[Envelope], pool: asyncpg.Pool | None, window: timedelta
) -> list[Pending]:
    """The items with each short message's conversation attached as `context`; others unchanged."""
    if window <= timedelta(0):
        return items
    short = [item for item in items if item.cause is not None and is_short(item.text)]
    if not short:
        return items
    said = [_said(envelope.data) for envelope in batch]
    context: dict[str, list[str]] = {}
    if pool is not None:
        rows = await pool.fetch(_CONTEXT_SQL, [item.id for item in short], window, MAX_CONTEXT_MESSAGES)
        for row in rows:
            context[row["key"]] = ([row["reply_text"]] if row["reply_text"] else []) + list(row["previous"])
    short_ids = {item.id for item in short}
    out = []
    for item in items:
        if item.id not in short_ids:
            out.append(item)
            continue
        event: MessageScored = item.cause.data  # type: ignore[union-attr]
        in_batch = preceding(_said(event), said, window)
        stored = context.get(item.id, [])
        # the reply target leads; then the nearest earlier messages from the batch or the read model
        ordered = stored[:1] + in_batch + stored[1:] if stored else in_batch
        out.append(Pending(item.id, item.text, item.cause, context_text(item.text, ordered)))
    return out
