"""Accumulates items into provider batches, flushed when full or when the oldest item has waited long enough."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 100  # EMBEDDING_BATCH_SIZE
DEFAULT_MAX_WAIT = 0.5  # seconds: bounds the latency a lone message pays for batching


class Batcher(Generic[T]):
    """Pure size/time batching; the caller owns the timer and the I/O."""

    def __init__(
        self,
        max_size: int = DEFAULT_BATCH_SIZE,
        max_wait: float = DEFAULT_MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"batch size must be at least 1, got {max_size}")
        if max_wait < 0:
            raise ValueError(f"max wait must not be negative, got {max_wait}")
        self.max_size = max_size
        self.max_wait = max_wait
        self._clock = clock
        self._items: list[T] = []
        self._oldest_at: float | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T) -> list[T] | None:
        """Queue an item; returns the full batch when this item fills it, else None."""
        if not self._items:
            self._oldest_at = self._clock()
        self._items.append(item)
        if len(self._items) >= self.max_size:
            return self.drain()
        return None

    def due(self, now: float | None = None) -> bool:
        """True when a non-empty batch has waited max_wait since its first item."""
        if self._oldest_at is None:
            return False
        current = self._clock() if now is None else now
        return current - self._oldest_at >= self.max_wait

    def seconds_until_due(self, now: float | None = None) -> float | None:
        """How long the caller's timer should sleep; None when there is nothing to flush."""
        if self._oldest_at is None:
            return None
        current = self._clock() if now is None else now
        return max(0.0, self._oldest_at + self.max_wait - current)

    def drain(self) -> list[T]:
        """Take everything queued (possibly nothing) and start a new batch."""
        items, self._items = self._items, []
        self._oldest_at = None
        return items
