"""Reads cached per committed position: one query however many ask at once, recomputed when the position moves."""

from __future__ import annotations

import asyncio

import pytest

from services.gateway.read_cache import PositionCache


class Query:
    """Counts its runs; each run takes `delay_s` and answers with its own number."""

    def __init__(self, delay_s: float = 0.05, fail: bool = False) -> None:
        self.runs, self.delay_s, self.fail = 0, delay_s, fail

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise ValueError(f"run {run} failed")
        return run


async def test_fifty_callers_at_one_position_share_one_query() -> None:
    cache, query = PositionCache(), Query()
    answers = await asyncio.gather(*(cache.get("page", 7, query) for _ in range(50)))
    assert answers == [1] * 50 and query.runs == 1
    assert await cache.get("page", 7, query) == 1 and query.runs == 1  # kept while the position stays


async def test_a_new_position_or_another_query_is_computed_afresh() -> None:
    cache, query = PositionCache(), Query(delay_s=0)
    assert await cache.get("page", 7, query) == 1
    assert await cache.get("page", 8, query) == 2  # something was committed since
    assert await cache.get(("page", "chat=-1"), 8, query) == 3
    assert await cache.get("page", 7, query) == 4  # an older position's result is not kept once newer is known


async def test_errors_reach_every_caller_and_are_never_kept() -> None:
    cache, failing = PositionCache(), Query(fail=True)
    results = await asyncio.gather(*(cache.get("page", 1, failing) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results) and failing.runs == 1
    with pytest.raises(ValueError):
        await cache.get("page", 1, failing)
    assert failing.runs == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_query_for_the_others() -> None:
    cache, query = PositionCache(), Query(delay_s=0.1)
    leaver = asyncio.create_task(cache.get("page", 1, query))
    stayer = asyncio.create_task(cache.get("page", 1, query))
    await asyncio.sleep(0.02)
    leaver.cancel()
    assert await stayer == 1 and query.runs == 1


async def test_results_expire_for_changes_made_outside_the_projector() -> None:
    cache, query = PositionCache(max_age_s=0.05), Query(delay_s=0)
    assert await cache.get("page", 1, query) == 1
    await asyncio.sleep(0.1)  # e.g. `tracker admin wipe` emptied the tables; the position did not move
    assert await cache.get("page", 1, query) == 2


async def test_the_least_recently_used_queries_go_first() -> None:
    cache, query = PositionCache(max_entries=2), Query(delay_s=0)
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        await cache.get(key, 1, query)
    runs = query.runs
    await cache.get("a", 1, query)
    await cache.get("c", 1, query)
    assert query.runs == runs
    await cache.get("b", 1, query)
    assert query.runs == runs + 1
