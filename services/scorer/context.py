"""Message context for scoring: the author's track record and the message's place in its chat.

Pure values and small in-process caches; the SQL that fills them lives in `read_model.py`, so this
module is unit-tested without a database.  With nothing known, every factor stays neutral.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from datetime import datetime, timedelta
from typing import Final, Generic, TypeVar

import msgspec

from services.scorer.adaptation import OverrideExample
from services.scorer.features import repeat_key, text_grams
from services.scorer.scoring import NEUTRAL, ScoringInput

V = TypeVar("V")
BURST_WINDOW_S: Final = 60.0  # messages this close before a message count as its burst

# Bayesian smoothing toward neutral: an author with two signal messages out of two is not yet a
# reliable signal source, and one noisy greeting must not brand a newcomer as noise.
PRIOR_WEIGHT: Final = 4.0
MIN_HISTORY: Final = 3  # fewer scored messages than this and the author factor stays neutral
AUTHOR_HISTORY: Final = 200  # recent scored messages an author's ratio is computed over (bounds the query)


class AuthorRecord(msgspec.Struct, frozen=True):
    """Counts over an author's recent scored messages (effective class, so overrides count)."""

    signal: int
    total: int


class MessageContext(msgspec.Struct, frozen=True, kw_only=True):
    author_signal_ratio: float | None = None
    is_reply: bool = False
    seconds_since_previous: float | None = None
    burst: int = 0
    repeats: int = 0
    topic_keywords: frozenset[str] = frozenset()
    overrides: tuple[OverrideExample, ...] = ()


NEUTRAL_CONTEXT: Final = MessageContext()


def smoothed_signal_ratio(record: AuthorRecord | None) -> float | None:
    """The author's signal ratio pulled toward neutral; None (neutral) with too little history."""
    if record is None or record.total < MIN_HISTORY:
        return None
    signal = min(max(record.signal, 0), record.total)
    return (signal + PRIOR_WEIGHT * NEUTRAL) / (record.total + PRIOR_WEIGHT)


def gap_seconds(sent_at: datetime | None, previous_at: datetime | None) -> float | None:
    """Seconds since the previous message in the chat; None when unknown or not actually earlier."""
    if sent_at is None or previous_at is None:
        return None
    gap = (sent_at - previous_at).total_seconds()
    # Equal timestamps are a burst (Telegram has second resolution); a later "previous" is a clock mix-up.
    return gap if gap >= 0 else None


def latest_before(sent_at: datetime | None, *candidates: datetime | None) -> datetime | None:
    """The latest candidate strictly before `sent_at` (several sources may each know a previous message)."""
    if sent_at is None:
        return None
    earlier = [c for c in candidates if c is not None and c < sent_at]
    return max(earlier) if earlier else None


def scoring_input(text: str, language: str | None, context: MessageContext) -> ScoringInput:
    return ScoringInput(
        text=text,
        language=language,
        author_signal_ratio=context.author_signal_ratio,
        is_reply=context.is_reply,
        seconds_since_previous=context.seconds_since_previous,
        burst=context.burst,
        repeats=context.repeats,
        topic_keywords=context.topic_keywords,
        overrides=context.overrides,
    )


class ChatClock:
    """The latest `sent_at` this process has seen per chat.

    The read model lags the bus (the gateway projects a message after the scorer may already see the
    next one), so the chat's previous message is often known here before it is in the database.
    """

    def __init__(self, max_chats: int = 10_000) -> None:
        self._latest: OrderedDict[str, datetime] = OrderedDict()
        self._max = max_chats

    def previous(self, chat_id: str, sent_at: datetime) -> datetime | None:
        latest = self._latest.get(chat_id)
        return latest if latest is not None and latest < sent_at else None

    def record(self, chat_id: str, sent_at: datetime) -> None:
        latest = self._latest.get(chat_id)
        if latest is None or sent_at > latest:
            self._latest[chat_id] = sent_at
        self._latest.move_to_end(chat_id)
        while len(self._latest) > self._max:
            self._latest.popitem(last=False)


class AuthorCache:
    """Author records for `ttl_s` seconds, least recently used evicted first.

    A ratio over hundreds of messages barely moves in a minute, and most chats have few authors, so
    this turns the per-author count into roughly one query per author per minute.
    """

    def __init__(self, ttl_s: float = 60.0, max_authors: int = 5_000) -> None:
        self._items: OrderedDict[str, tuple[float, AuthorRecord]] = OrderedDict()
        self._ttl = ttl_s
        self._max = max_authors

    def get(self, author: str, now: float | None = None) -> AuthorRecord | None:
        item = self._items.get(author)
        if item is None:
            return None
        stored_at, record = item
        if (time.monotonic() if now is None else now) - stored_at > self._ttl:
            del self._items[author]
            return None
        self._items.move_to_end(author)
        return record

    def __contains__(self, author: str) -> bool:
        return self.get(author) is not None

    def put(self, author: str, record: AuthorRecord, now: float | None = None) -> None:
        self._items[author] = (time.monotonic() if now is None else now, record)
        self._items.move_to_end(author)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def count(self, author: str, signal: bool, now: float | None = None) -> None:
        """Add a message this process just scored to the author's record.

        The read model only learns a score after the gateway projects it, so without this an import scores a
        whole chat with every author neutral; the stored record replaces this one when its TTL runs out.
        """
        item = self._items.get(author)
        stored_at, record = item if item is not None else (time.monotonic() if now is None else now, AuthorRecord(0, 0))
        self._items[author] = (stored_at, AuthorRecord(record.signal + signal, record.total + 1))
        self._items.move_to_end(author)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class _ChatLog:
    """One chat's recent messages: in arrival order (bursts) and by repeat key (repeats)."""

    __slots__ = ("by_text", "order")

    def __init__(self) -> None:
        self.order: deque[tuple[datetime, str, str]] = deque()
        self.by_text: dict[str, list[tuple[datetime, str]]] = {}


class ChatMemory:
    """The latest messages this process has scored per chat: for bursts and repeats the read model cannot see yet.

    Entries are (sent_at, message key, repeat key), a bounded number per chat; look-ups touch only the
    messages of the last minute (bursts) or those with the same text (repeats), not the whole window.
    """

    def __init__(self, per_chat: int = 200, max_chats: int = 2_000) -> None:
        self._chats: OrderedDict[str, _ChatLog] = OrderedDict()
        self._per_chat = per_chat
        self._max = max_chats

    def burst(self, chat_id: str, sent_at: datetime, window_s: float = BURST_WINDOW_S) -> int:
        """Messages of the chat in the `window_s` seconds before `sent_at`."""
        log = self._chats.get(chat_id)
        if log is None:
            return 0
        since = sent_at - timedelta(seconds=window_s)
        count = 0
        for when, _, _ in reversed(log.order):  # newest first; chats arrive nearly in time order
            if when < since:
                break
            count += when < sent_at
        return count

    def repeats(self, chat_id: str, key: str, text: str, sent_at: datetime, window_s: float) -> int:
        """Earlier messages of the chat (other than `key`) with the same text within `window_s` seconds."""
        log = self._chats.get(chat_id)
        if log is None:
            return 0
        since = sent_at - timedelta(seconds=window_s)
        return sum(1 for when, k in log.by_text.get(repeat_key(text), ()) if k != key and since <= when < sent_at)

    def record(self, chat_id: str, key: str, text: str, sent_at: datetime) -> None:
        log = self._chats.get(chat_id)
        if log is None:
            log = self._chats[chat_id] = _ChatLog()
        rk = repeat_key(text)
        log.order.append((sent_at, key, rk))
        log.by_text.setdefault(rk, []).append((sent_at, key))
        if len(log.order) > self._per_chat:
            _, old_key, old_rk = log.order.popleft()
            # One index entry per order entry: a message recorded twice (redelivered after a NATS restart) has
            # two, so drop only one of them here (dropping both made the second eviction a KeyError).
            same = log.by_text[old_rk]
            del same[next(i for i, e in enumerate(same) if e[1] == old_key)]
            if not same:
                del log.by_text[old_rk]
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self._max:
            self._chats.popitem(last=False)


class TtlCache(Generic[V]):
    """Values for `ttl_s` seconds, least recently used evicted first (topic keywords per chat)."""

    def __init__(self, ttl_s: float = 60.0, max_items: int = 5_000) -> None:
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._ttl = ttl_s
        self._max = max_items

    def get(self, key: str, now: float | None = None) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if (time.monotonic() if now is None else now) - item[0] > self._ttl:
            del self._items[key]
            return None
        return item[1]

    def put(self, key: str, value: V, now: float | None = None) -> None:
        self._items[key] = (time.monotonic() if now is None else now, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class OverrideGrams:
    """N-grams of overridden messages, computed once per (key, text, class) however often they are re-read."""

    def __init__(self, max_items: int = 20_000) -> None:
        self._items: OrderedDict[tuple[str, str, str], OverrideExample] = OrderedDict()
        self._max = max_items

    def example(self, key: str, text: str, label: str) -> OverrideExample:
        ident = (key, text, label)
        found = self._items.get(ident)
        if found is None:
            found = self._items[ident] = OverrideExample(text_grams(text), label)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return found
