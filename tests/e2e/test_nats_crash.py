"""nats-server killed -9 several times mid-import: nothing lost, nothing doubled, no service restarted.

A gateway and a scorer run as real processes against a nats-server this test kills and brings back on the
same port and store. Afterwards every event the stream holds must be in the events log and applied, every
message scored exactly once, and the read models equal to a clean replay of the log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import nats
import pytest

from shared.bus.publisher import Publisher
from shared.db import migrate
from shared.db.pool import create_pool
from shared.runtime.servers import free_port
from shared.testing.imports import (
    assert_logged_and_scored_once,
    assert_replay_equal,
    import_slowly,
    messages,
    read_model,
    service_env,
    settled,
)
from shared.testing.processes import NatsNode, spawn, stop

TOTAL = 12_000
CHUNK = 200
CRASHES = 3


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_repeated_nats_crashes_mid_import_lose_and_double_nothing_without_restarts(
    database_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    migrate.apply(database_url)
    node = NatsNode(tmp_path / "nats" / "store")
    node.start()
    env = service_env(database_url, node.url, subject_prefix, tmp_path / "data")
    gw_port, sc_port = free_port(), free_port()
    gw_env, sc_env = {**env, "API_PORT": str(gw_port)}, {**env, "STAGE_PORT": str(sc_port)}
    gateway = await spawn("gateway", ["gateway"], gw_env, gw_port, "/api/health", tmp_path / "gateway.log")
    scorer = await spawn("scorer", ["stage", "scorer"], sc_env, sc_port, "/health", tmp_path / "scorer.log")
    nc = await nats.connect(node.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    pool = await create_pool(database_url)
    try:
        publisher = Publisher(js, producer="test", prefix=subject_prefix)
        imported = messages("-7", TOTAL, "Реліз {i}: fix the deploy")

        async def crash_repeatedly() -> None:
            for outage_s in (0.5, 3.0, 1.5)[:CRASHES]:
                await asyncio.sleep(1.5)
                node.crash()
                await asyncio.sleep(outage_s)
                await asyncio.to_thread(node.start)

        await asyncio.gather(import_slowly(publisher, imported, CHUNK), crash_repeatedly())
        last_seq = await settled(js, pool, subject_prefix, TOTAL, timeout_s=240)

        # No service was restarted, and both say so themselves.
        assert gateway.proc.returncode is None and scorer.proc.returncode is None
        async with httpx.AsyncClient(timeout=5) as client:
            assert (await client.get(scorer.health)).status_code == 200
            assert (await client.get(gateway.health)).status_code == 200

        held = await assert_logged_and_scored_once(js, pool, subject_prefix, imported)
        assert len(held) == last_seq

        live = await read_model(pool)
        assert len(live) == TOTAL and all(r[2] is not None for r in live)
        await stop(gateway)
        await assert_replay_equal(pool, live)
    finally:
        await pool.close()
        await nc.close()
        await stop(gateway)
        await stop(scorer)
        node.stop()
