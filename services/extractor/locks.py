"""Locks and once-only marks shared by every extractor replica, in NATS JetStream key-value buckets.

`create` succeeds for exactly one caller while the key exists, so it serves as a lock without a database
write (stages never write read models). Keys expire (bucket TTL), so a replica that crashes holding a lock
does not hold it forever: chat locks and cancel marks live `LOCK_TTL_S`, schedule fire marks a day (long after
the scheduler's look-back window, so a fire is never repeated). A run claim lives only `TT_RUN_CLAIM_TTL_S`
(a bucket of its own) and the replica executing the run renews it (`heartbeat`), so a claim that is gone means
the replica died; the orphan sweeper (orphans.py) then fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.logging import get_logger

log = get_logger(__name__)
LOCK_TTL_S = 15 * 60
FIRE_TTL_S = 24 * 3600
_UNSAFE = re.compile(r"[^-_=a-zA-Z0-9]")


def _key(*parts: str) -> str:
    return ".".join(_UNSAFE.sub("_", p) for p in parts)


async def _bucket(js: JetStreamContext, name: str, ttl: float) -> KeyValue:
    try:
        kv = await js.key_value(name)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=name, ttl=ttl, history=1)
    config = (await kv.status()).stream_info.config
    if round(config.max_age or 0, 3) != round(ttl, 3):  # the TTL setting changed since the bucket was made: apply it
        config.max_age = ttl
        config.duplicate_window = min(config.duplicate_window or ttl, ttl)
        await js.update_stream(config)
    return kv


def beat_every(ttl_s: float) -> float:
    """Renew a claim three times per TTL, so two missed beats (a slow round trip, a busy loop) keep it."""
    return ttl_s / 3


class Locks:
    """Run claims, chat and cancel marks (expiring) and fire marks for one subject prefix."""

    def __init__(self, locks: KeyValue, fires: KeyValue, claims: KeyValue, claim_ttl_s: float) -> None:
        self._locks = locks
        self._fires = fires
        self._claims = claims
        self.claim_ttl_s = claim_ttl_s

    @classmethod
    async def open(cls, js: JetStreamContext, prefix: str, claim_ttl_s: float) -> Locks:
        base = prefix.upper()
        return cls(
            await _bucket(js, f"{base}_extractor_locks", LOCK_TTL_S),
            await _bucket(js, f"{base}_extractor_fires", FIRE_TTL_S),
            await _bucket(js, f"{base}_extractor_claims", claim_ttl_s),
            claim_ttl_s,
        )

    async def _create(self, kv: KeyValue, key: str, value: bytes = b"1") -> bool:
        try:
            await kv.create(key, value)
        except KeyWrongLastSequenceError:
            return False
        return True

    async def _exists(self, kv: KeyValue, key: str) -> bool:
        try:
            entry = await kv.get(key)
        except KeyNotFoundError:
            return False
        return entry.value is not None

    async def claim_run(self, run_id: str) -> bool:
        """True for the one replica that runs `run_id` (a redelivered command finds it claimed)."""
        return await self._create(self._claims, _key("run", run_id))

    async def claimed(self, run_id: str) -> bool:
        """Whether a live replica holds `run_id` (one of an older version claims in the 15-minute bucket)."""
        key = _key("run", run_id)
        return await self._exists(self._claims, key) or await self._exists(self._locks, key)

    @contextlib.asynccontextmanager
    async def heartbeat(self, run_id: str) -> AsyncIterator[None]:
        """Renew the claim of `run_id` while the block runs (it is claimed already)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(beat_every(self.claim_ttl_s))
                try:
                    await self._claims.put(_key("run", run_id), b"1")
                except Exception as exc:  # the next beat retries; two misses in a row still keep the claim
                    log.warning("run_heartbeat_failed", run_id=run_id, error=str(exc))

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def lock_chat(self, chat_id: str, run_id: str) -> bool:
        """At most one run per chat at a time; True when `run_id` holds the chat (already or now)."""
        key = _key("chat", chat_id)
        if await self._create(self._locks, key, run_id.encode()):
            return True
        try:
            return (await self._locks.get(key)).value == run_id.encode()
        except KeyNotFoundError:
            return await self._create(self._locks, key, run_id.encode())

    async def unlock_chat(self, chat_id: str, run_id: str) -> None:
        key = _key("chat", chat_id)
        try:
            if (await self._locks.get(key)).value == run_id.encode():
                await self._locks.delete(key)
        except KeyNotFoundError:
            pass

    async def chat_locked(self, chat_id: str) -> bool:
        return await self._exists(self._locks, _key("chat", chat_id))

    async def request_cancel(self, run_id: str) -> None:
        await self._locks.put(_key("cancel", run_id), b"1")

    async def cancel_requested(self, run_id: str) -> bool:
        return await self._exists(self._locks, _key("cancel", run_id))

    async def claim_fire(self, schedule_id: str, due_epoch: int) -> bool:
        """True for the one replica that fires `schedule_id` for this due time (or does a periodic job once)."""
        return await self._create(self._fires, _key("schedule", schedule_id, str(due_epoch)))
