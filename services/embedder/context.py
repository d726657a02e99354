"""Conversation context for short messages: «Пуші приходять ✅» means nothing alone, everything after
«APNs повертає 403». A short message is embedded together with what it answers (its reply target) and the
messages just before it in the same chat, so search and `/similar` place it inside its conversation.
Long messages carry their own meaning and are embedded alone: neighbours would only blur them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SHORT_WORDS = 12  # below this many words a chat message rarely names its subject
MAX_CONTEXT_MESSAGES = 3  # the reply target and the last messages before it; more drifts off subject
MAX_CONTEXT_CHARS = 600  # e5 reads 512 tokens; the message itself must not be truncated away


@dataclass(frozen=True)
class Said:
    """A message that may serve as context: where and when it was said, and its text."""

    chat_id: str
    sent_at: datetime
    text: str
    noise: bool = False


def is_short(text: str) -> bool:
    return len(text.split()) < SHORT_WORDS


def preceding(message: Said, candidates: Iterable[Said], window: timedelta) -> list[str]:
    """Texts said in the same chat within `window` before the message, newest first, noise left out."""
    earlier = [
        c
        for c in candidates
        if c.chat_id == message.chat_id
        and not c.noise
        and message.sent_at - window <= c.sent_at < message.sent_at
        and c.text.strip()
    ]
    earlier.sort(key=lambda c: c.sent_at, reverse=True)
    return [c.text for c in earlier[:MAX_CONTEXT_MESSAGES]]


def context_text(text: str, context: Sequence[str]) -> str | None:
    """The context a short message is embedded with, in the order given (most telling first: the reply
    target, then the messages just before, newest first), bounded; None for a long message or no context."""
    if not context or not is_short(text):
        return None
    unique = [c for c in dict.fromkeys(part.strip() for part in context) if c and c != text.strip()]
    kept: list[str] = []
    budget = MAX_CONTEXT_CHARS
    for part in unique[:MAX_CONTEXT_MESSAGES]:
        if budget <= 0:
            break
        kept.append(part[:budget])
        budget -= len(part)
    return "\n".join(kept) if kept else None


def with_context(text: str, context: str) -> str:
    """The message first (so truncation never cuts it), then its conversation."""
    return f"{text}\n\n{context}"
