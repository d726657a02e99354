"""Seeding the read model through the bus, as the ingest and scorer stages would."""

from __future__ import annotations

import asyncio
from datetime import datetime

from shared.contracts.common import Classification
from shared.contracts.messages import Author, MessageIngested
from shared.contracts.noise_filtering import MessageScored, ScoreFactors
from shared.testing.gateway import GatewayHarness

SCORES: dict[str, float] = {"signal": 0.8, "weak_signal": 0.45, "noise": 0.1}


def ingested(
    chat: str,
    n: int,
    sent_at: datetime,
    *,
    author: str | None = "7",
    text: str | None = None,
    reply_to: int | None = None,
) -> MessageIngested:
    return MessageIngested(
        key=f"telegram:{chat}:{n}",
        chat_id=chat,
        chat_title=f"Chat {chat}",
        message_id=n,
        text=text or f"message {n}: the export job timed out after 30s on the staging database",
        sent_at=sent_at,
        author=Author(source_user_id=author, display_name=f"User {author}") if author else None,
        reply_to_message_id=reply_to,
    )


def scored(message: MessageIngested, classification: Classification, score: float | None = None) -> MessageScored:
    return MessageScored(
        key=message.key,
        chat_id=message.chat_id,
        text=message.text,
        sent_at=message.sent_at,
        score=SCORES[classification] if score is None else score,
        classification=classification,
        factors=ScoreFactors(content=0.5, author=0.5, temporal=0.5, topic=0.5),
    )


async def wait_until(harness: GatewayHarness, sql: str, expected: object, timeout: float = 20.0) -> None:
    """Poll the read model until `sql` returns `expected` (the gateway projects asynchronously)."""
    async with asyncio.timeout(timeout):
        while await harness.pool.fetchval(sql) != expected:  # type: ignore[attr-defined]
            await asyncio.sleep(0.05)
