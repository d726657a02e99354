"""Conversation grouping: the unit an extractor reads (SPEC §3).

A chat is a stream of interleaved discussions. Telegram threads (forum topics) are explicit; elsewhere a
silence longer than `gap_s` (600 s) ends a conversation. Batches hold whole conversations up to `batch_size`
(50) messages, so an extractor sees a discussion from its question to its answer; a single conversation
longer than that is cut into consecutive chunks (no message is dropped, none is read twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from services.extractor.model import SourceMessage

DEFAULT_GAP_S = 600.0
DEFAULT_BATCH_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order(message: SourceMessage) -> tuple[datetime, int, str]:
    return (message.sent_at or _EPOCH, message.message_id or 0, message.key)


def conversations(messages: Sequence[SourceMessage], gap_s: float = DEFAULT_GAP_S) -> list[list[SourceMessage]]:
    """Group messages into conversations: by (chat, thread) where a thread exists, else by silences > gap_s.

    Messages without a timestamp (an eval file without `sent_at`) keep their given order and form one
    conversation per chat/thread. Conversations come back ordered by their first message.
    """
    streams: dict[tuple[str, int | None], list[tuple[int, SourceMessage]]] = {}
    for position, message in enumerate(messages):
        streams.setdefault((message.chat_id, message.thread_id), []).append((position, message))
    result: list[tuple[tuple[datetime, int], list[SourceMessage]]] = []
    for (_, thread), items in streams.items():
        timed = all(m.sent_at is not None for _, m in items)
        ordered = sorted(items, key=lambda pm: (*_order(pm[1]), pm[0])) if timed else items
        current: list[SourceMessage] = []
        previous: datetime | None = None
        for position, message in ordered:
            gap = (
                (message.sent_at - previous).total_seconds()
                if thread is None and message.sent_at is not None and previous is not None
                else 0.0
            )
            if current and gap > gap_s:
                result.append(((current[0].sent_at or _EPOCH, position), current))
                current = []
            current.append(message)
            previous = message.sent_at or previous
        if current:
            result.append(((current[0].sent_at or _EPOCH, ordered[0][0]), current))
    result.sort(key=lambda item: item[0])
    return [conversation for _, conversation in result]


def batches(
    groups: Sequence[Sequence[SourceMessage]], batch_size: int = DEFAULT_BATCH_SIZE
) -> list[list[list[SourceMessage]]]:
    """Pack whole conversations into batches of at most `batch_size` messages (each batch: its conversations)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    out: list[list[list[SourceMessage]]] = []
    current: list[list[SourceMessage]] = []
    size = 0
    for group in groups:
        chunks = [list(group[i : i + batch_size]) for i in range(0, len(group), batch_size)] or [[]]
        for chunk in chunks:
            if not chunk:
                continue
            if current and size + len(chunk) > batch_size:
                out.append(current)
                current, size = [], 0
            current.append(chunk)
            size += len(chunk)
    if current:
        out.append(current)
    return out


def conversation_batches(
    messages: Sequence[SourceMessage], gap_s: float = DEFAULT_GAP_S, batch_size: int = DEFAULT_BATCH_SIZE
) -> list[list[list[SourceMessage]]]:
    """What a run gives its model per call (extraction and analysis runs alike): whole conversations, batched."""
    return batches(conversations(messages, gap_s), batch_size)
