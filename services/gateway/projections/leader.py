"""One active projector at a time: a PostgreSQL advisory lock held on a dedicated connection.

Standbys poll for the lock; when the active projector dies its connection closes, PostgreSQL releases the
lock and a standby takes over from the committed position. Each batch transaction also checks that the
lock is still held by the leader's connection (a fence), so a projector that lost its lock connection
cannot commit once a successor may have started.
"""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg

from shared.db.pool import asyncpg_dsn
from shared.faults import is_infrastructure_error, retry_delay
from shared.logging import get_logger

log = get_logger(__name__)
POLL_S = 1.0


class LostLeadership(Exception):
    """The lock connection is gone: stop projecting, a standby may already be active."""


def lock_key(prefix: str) -> int:
    """A non-negative 63-bit advisory lock key per subject prefix (advisory locks are per database already)."""
    return int.from_bytes(hashlib.sha256(f"tt-projector:{prefix}".encode()).digest()[:8], "big") & (2**63 - 1)


class Leadership:
    def __init__(self, database_url: str, prefix: str) -> None:
        self._dsn, self.key = asyncpg_dsn(database_url), lock_key(prefix)
        self._conn: asyncpg.Connection | None = None
        self.backend_pid = 0

    async def acquire(self, stopping: asyncio.Event) -> bool:
        """Wait until this process holds the lock (True), or `stopping` is set (False)."""
        attempt = 0
        announced = False
        while not stopping.is_set():
            try:
                if self._conn is None or self._conn.is_closed():
                    self._conn = await asyncpg.connect(self._dsn, timeout=10)
                    self.backend_pid = self._conn.get_server_pid()
                if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key, timeout=10):
                    log.info("projector_active", lock=self.key)
                    return True
                if not announced:
                    log.info("projector_standby", lock=self.key)
                    announced = True
                attempt = 0
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise
                await self.release()
                attempt += 1
            await _sleep_or_stop(stopping, retry_delay(attempt, cap=POLL_S) if attempt else POLL_S)
        return False

    async def watch(self) -> None:
        """Return when the lock connection is lost (the lock with it)."""
        while True:
            await asyncio.sleep(POLL_S)
            try:
                assert self._conn is not None
                await self._conn.fetchval("SELECT 1", timeout=5)
            except Exception as exc:
                log.warning("projector_lock_connection_lost", error=repr(exc))
                return

    async def fence(self, conn: asyncpg.Connection) -> None:
        """Inside a batch transaction: raise unless the leader connection still holds the lock."""
        held = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1"
            " AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $2)",
            self.backend_pid,
            self.key,
        )
        if not held:
            raise LostLeadership("the projector lock is no longer held")

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()


async def _sleep_or_stop(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        pass
