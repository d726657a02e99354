"""Token buckets for the routes that cost CPU or the embedder (scoring, search, estimates), per caller.

A caller is its token (hashed) or, without one, its address. Buckets live in this process: with N API
replicas behind nginx each replica allows the configured rate, so the limit a client sees is at most N times
it (nginx `limit_req` is the place for a global one).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from services.gateway.auth import bearer_from, token_identity

RATE_LIMITED = {"rate_limited": True}  # route opt
MAX_BUCKETS = 10_000  # past this, idle buckets are dropped so memory stays bounded


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.buckets: dict[tuple[str, str], Bucket] = {}

    def take(self, key: tuple[str, str], now: float | None = None) -> float:
        """0 when the call may go ahead, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        if len(self.buckets) > MAX_BUCKETS:
            self.buckets = {k: b for k, b in self.buckets.items() if now - b.updated < self.burst / self.rate}
        bucket = self.buckets.setdefault(key, Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else math.inf


async def rate_limit_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A coroutine, so Litestar runs it on the event loop rather than in a worker thread (see access_guard)."""
    if not handler.opt.get("rate_limited"):
        return
    limiter: RateLimiter = connection.app.state.rate_limiter
    token = bearer_from(connection)
    caller = token_identity(token) if token else f"ip:{connection.client.host if connection.client else '?'}"
    wait = limiter.take((caller, handler.handler_name))
    if wait > 0:
        seconds = max(1, math.ceil(wait)) if math.isfinite(wait) else 60
        raise TooManyRequestsException(
            f"rate limit: at most {limiter.burst:.0f} calls at once, then {limiter.rate * 60:.0f} a minute",
            headers={"Retry-After": str(seconds)},
        )
