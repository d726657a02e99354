"""nats-server killed -9 several times mid-import: nothing lost, nothing doubled, no service restarted.

A gateway and a scorer run as real processes against a nats-server this test kills and brings back on the
same port and store. Afterwards every event the stream holds must be in the events log and applied, every
message scored exactly once, and the read models equal to a clean replay of the log.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import nats
import pytest

from services.gateway import projections
from services.gateway.projections.runner import replay, stream_position
from shared.bus.publisher import Publisher
from shared.bus.streams import stream_name
from shared.contracts import decode, utcnow
from shared.contracts.messages import MessageIngested
from shared.db import migrate
from shared.db.pool import create_pool
from shared.runtime.servers import free_port
from shared.testing.gateway import TOKEN
from shared.testing.processes import NatsNode, spawn, stop

TOTAL = 12_000
CHUNK = 200
CRASHES = 3
READ_MODEL = "SELECT key, importance_score, classification, score_factors, scorer FROM messages ORDER BY key"


async def stream_contents(js: nats.js.JetStreamContext, prefix: str) -> dict[int, tuple[str, str | None]]:
    """seq -> (event type, key) for every message the stream holds (`dlq` for dead letters)."""
    sub = await js.pull_subscribe(f"{prefix}.>", durable=None, stream=stream_name(prefix))
    found: dict[int, tuple[str, str | None]] = {}
    while (await sub.consumer_info()).num_pending > 0:
        try:
            batch = await sub.fetch(1000, timeout=2)
        except TimeoutError:
            continue
        for msg in batch:
            if msg.subject.startswith(f"{prefix}.dlq."):
                found[msg.metadata.sequence.stream] = ("dlq", None)
            else:
                envelope = decode(msg.data, subject=msg.subject, prefix=prefix)
                found[msg.metadata.sequence.stream] = (envelope.type, getattr(envelope.data, "key", None))
            await msg.ack()
    await sub.unsubscribe()
    return found


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_repeated_nats_crashes_mid_import_lose_and_double_nothing_without_restarts(
    database_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    migrate.apply(database_url)
    node = NatsNode(tmp_path / "nats" / "store")
    node.start()
    env = {
        "DATABASE_URL": database_url,
        "NATS_URL": node.url,
        "TT_SUBJECT_PREFIX": subject_prefix,
        "TT_API_TOKENS": TOKEN,
        "TT_DATA_DIR": str(tmp_path / "data"),
    }
    gw_port, sc_port = free_port(), free_port()
    gw_env, sc_env = {**env, "API_PORT": str(gw_port)}, {**env, "STAGE_PORT": str(sc_port)}
    gateway = await spawn("gateway", ["gateway"], gw_env, gw_port, "/api/health", tmp_path / "gateway.log")
    scorer = await spawn("scorer", ["stage", "scorer"], sc_env, sc_port, "/health", tmp_path / "scorer.log")
    nc = await nats.connect(node.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    pool = await create_pool(database_url)
    try:
        publisher = Publisher(js, producer="test", prefix=subject_prefix)
        messages = [
            MessageIngested(
                key=f"telegram:-7:{i}", chat_id="-7", message_id=i, text=f"Реліз {i}: fix the deploy", sent_at=utcnow()
            )
            for i in range(TOTAL)
        ]

        async def import_slowly() -> None:
            for start in range(0, TOTAL, CHUNK):
                chunk = messages[start : start + CHUNK]
                await publisher.publish_many([(publisher.envelope(m), m.key) for m in chunk])
                await asyncio.sleep(0.05)

        async def crash_repeatedly() -> None:
            for outage_s in (0.5, 3.0, 1.5)[:CRASHES]:
                await asyncio.sleep(1.5)
                node.crash()
                await asyncio.sleep(outage_s)
                await asyncio.to_thread(node.start)

        await asyncio.gather(import_slowly(), crash_repeatedly())

        stream = stream_name(subject_prefix)
        deadline = asyncio.get_running_loop().time() + 240
        while True:
            last_seq = (await js.stream_info(stream)).state.last_seq
            scored = await pool.fetchval("SELECT count(*) FROM messages WHERE classification IS NOT NULL")
            if scored == TOTAL and await stream_position(pool) == last_seq:
                break
            assert asyncio.get_running_loop().time() < deadline, (
                f"stalled: {scored}/{TOTAL} scored, position {await stream_position(pool)} of {last_seq}"
            )
            await asyncio.sleep(0.5)

        # No service was restarted, and both say so themselves.
        assert gateway.proc.returncode is None and scorer.proc.returncode is None
        async with httpx.AsyncClient(timeout=5) as client:
            assert (await client.get(scorer.health)).status_code == 200
            assert (await client.get(gateway.health)).status_code == 200

        held = await stream_contents(js, subject_prefix)
        assert len(held) == last_seq and not [s for s, (t, _) in held.items() if t == "dlq"]
        logged = {r["seq"] for r in await pool.fetch("SELECT seq FROM events")}
        assert logged == set(held), f"missing from the events log: {sorted(set(held) - logged)[:20]}"
        ingested = Counter(k for t, k in held.values() if t == "messages.ingested")
        scored_keys = Counter(k for t, k in held.values() if t == "noise_filtering.message_scored")
        assert set(ingested) == set(scored_keys) == {m.key for m in messages}
        assert max(ingested.values()) == 1 and max(scored_keys.values()) == 1  # scored once, stored once

        live = [tuple(r) for r in await pool.fetch(READ_MODEL)]
        assert len(live) == TOTAL and all(r[2] is not None for r in live)
        await stop(gateway)
        await replay(pool, projections.ALL)
        assert [tuple(r) for r in await pool.fetch(READ_MODEL)] == live
    finally:
        await pool.close()
        await nc.close()
        await stop(gateway)
        await stop(scorer)
        node.stop()
