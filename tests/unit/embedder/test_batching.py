"""Size/time batching for the embedder, driven by a fake clock (no bus, no sleeping)."""

from __future__ import annotations

import pytest

from services.embedder.batching import DEFAULT_BATCH_SIZE, Batcher


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_default_batch_size_is_one_hundred() -> None:
    assert DEFAULT_BATCH_SIZE == 100
    assert Batcher[int]().max_size == 100


def test_a_batch_is_returned_exactly_when_it_reaches_the_size() -> None:
    batcher: Batcher[int] = Batcher(max_size=3, max_wait=10)
    assert batcher.add(1) is None
    assert batcher.add(2) is None
    assert batcher.add(3) == [1, 2, 3]
    assert len(batcher) == 0


def test_items_keep_their_arrival_order_across_batches() -> None:
    batcher: Batcher[int] = Batcher(max_size=2, max_wait=10)
    flushed = [batch for item in range(5) if (batch := batcher.add(item))]
    assert flushed == [[0, 1], [2, 3]]
    assert batcher.drain() == [4]


def test_an_empty_batcher_is_never_due() -> None:
    clock = FakeClock()
    batcher: Batcher[str] = Batcher(max_size=10, max_wait=0.5, clock=clock)
    clock.now += 60
    assert not batcher.due()
    assert batcher.seconds_until_due() is None


def test_a_partial_batch_becomes_due_when_its_oldest_item_has_waited_max_wait() -> None:
    clock = FakeClock()
    batcher: Batcher[str] = Batcher(max_size=10, max_wait=0.5, clock=clock)
    batcher.add("a")
    clock.now += 0.3
    batcher.add("b")  # a later item does not restart the wait
    assert not batcher.due(clock.now)
    assert batcher.seconds_until_due(clock.now) == pytest.approx(0.2)
    clock.now += 0.2
    assert batcher.due(clock.now)
    assert batcher.seconds_until_due(clock.now) == 0.0
    assert batcher.drain() == ["a", "b"]
    assert not batcher.due(clock.now)


def test_the_wait_restarts_with_the_first_item_after_a_flush() -> None:
    clock = FakeClock()
    batcher: Batcher[int] = Batcher(max_size=2, max_wait=1.0, clock=clock)
    batcher.add(1)
    clock.now += 5
    assert batcher.add(2) == [1, 2]
    batcher.add(3)
    assert not batcher.due(clock.now)
    assert batcher.due(clock.now + 1.0)


def test_drain_of_an_empty_batcher_returns_nothing() -> None:
    assert Batcher[int]().drain() == []


@pytest.mark.parametrize(("size", "wait"), [(0, 0.5), (-1, 0.5), (10, -0.1)])
def test_nonsense_limits_are_rejected(size: int, wait: float) -> None:
    with pytest.raises(ValueError):
        Batcher[int](max_size=size, max_wait=wait)
