"""Polling the read model until the gateway has projected what a test published."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def settled(pool: Any, sql: str, *args: Any, expect: Any, timeout: float = 20.0) -> None:
    """Wait until `sql` returns `expect` (a projection is asynchronous)."""

    async def check() -> bool:
        return bool(await pool.fetchval(sql, *args) == expect)

    try:
        await wait_for(check, timeout)
    except TimeoutError:
        raise AssertionError(f"{sql} never returned {expect!r}; last {await pool.fetchval(sql, *args)!r}") from None


async def bus_count(js: Any, stream: str, subject: str) -> int:
    """Messages on the stream under `subject` (wildcards allowed)."""
    info = await js.stream_info(stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())
