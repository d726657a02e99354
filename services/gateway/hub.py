"""In-process fan-out of committed events to WebSocket connections, by topic."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from shared.metrics import WS_CLIENTS


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    topic: str
    text: str  # the JSON frame, encoded once for every client


@dataclass(eq=False)
class Subscription:
    topics: set[str]
    queue: asyncio.Queue[Frame] = field(default_factory=lambda: asyncio.Queue(maxsize=10_000))
    overflowed: bool = False


class Hub:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._gauged: set[str] = set()  # topics whose client gauge was ever set, so they drop back to 0
        self.last_seq = 0

    def subscribe(self, topics: set[str]) -> Subscription:
        sub = Subscription(set(topics))
        self._subs.add(sub)
        self._count()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)
        self._count()

    def set_topics(self, sub: Subscription, topics: set[str]) -> None:
        sub.topics = set(topics)
        self._count()

    def publish(self, frames: list[Frame]) -> None:
        for frame in frames:
            if frame.seq <= self.last_seq:
                continue  # a redelivered batch: clients already have it
            self.last_seq = frame.seq
            for sub in self._subs:
                if frame.topic in sub.topics and not sub.overflowed:
                    try:
                        sub.queue.put_nowait(frame)
                    except asyncio.QueueFull:
                        # A client this far behind resumes from the durable log with `since`.
                        sub.overflowed = True

    def _count(self) -> None:
        counts: dict[str, int] = defaultdict(int)
        for sub in self._subs:
            for topic in sub.topics:
                counts[topic] += 1
        for topic in set(counts) | self._gauged:
            WS_CLIENTS.labels(topic).set(counts.get(topic, 0))
        self._gauged.update(counts)
