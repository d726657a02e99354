"""Scale-out on loopback: a 3-node JetStream cluster (R3 stream), two projectors, two API replicas, a scorer.

Mid-ingest one NATS node is killed and so is the active projector. Nothing is lost or doubled, the standby
projector continues from the committed position, and WebSocket clients on both API replicas receive every
committed event.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import websockets

from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream
from shared.db import migrate
from shared.db.pool import create_pool
from shared.runtime.servers import free_port
from shared.testing.gateway import AUTH
from shared.testing.imports import (
    assert_logged_and_scored_once,
    assert_replay_equal,
    import_slowly,
    messages,
    read_model,
    service_env,
    settled,
)
from shared.testing.processes import Service, nats_cluster, spawn, stop

TOTAL = 4_000
CHUNK = 100


async def _collect(url: str, frames: list[dict[str, Any]], ready: asyncio.Event) -> None:
    async with websockets.connect(url, max_size=None, additional_headers=AUTH) as ws:
        await ws.recv()  # the connection frame
        ready.set()
        async for raw in ws:
            frame = json.loads(raw)
            if "seq" in frame:
                frames.append(frame)
            elif frame.get("type") == "ping":
                await ws.send(json.dumps({"action": "pong"}))


async def _role(url: str) -> str | None:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(url)).json().get("role")  # type: ignore[no-any-return]
    except httpx.HTTPError:
        return None


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_a_node_and_the_active_projector_die_mid_ingest_and_every_replica_relays_everything(
    database_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    migrate.apply(database_url)
    with nats_cluster(tmp_path / "nats") as nodes:
        servers = [n.url for n in nodes]
        nc = await nats.connect(servers, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = nc.jetstream()
        for _ in range(60):  # the cluster elects its meta leader first
            try:
                await ensure_stream(js, subject_prefix, replicas=3)
                break
            except Exception:
                await asyncio.sleep(0.5)
        else:
            pytest.fail("the cluster never accepted an R3 stream")
        env = service_env(database_url, ",".join(servers), subject_prefix, tmp_path / "data", TT_STREAM_REPLICAS="3")
        services: list[Service] = []
        pool = await create_pool(database_url)
        try:
            projector_ports = [free_port(), free_port()]
            for i, port in enumerate(projector_ports):
                services.append(
                    await spawn(
                        f"projector{i}",
                        ["projector"],
                        {**env, "STAGE_PORT": str(port)},
                        port,
                        "/health",
                        tmp_path / f"projector{i}.log",
                    )
                )
            api_ports = [free_port(), free_port()]
            for i, port in enumerate(api_ports):
                services.append(
                    await spawn(
                        f"api{i}",
                        ["api"],
                        {**env, "API_PORT": str(port)},
                        port,
                        "/api/health",
                        tmp_path / f"api{i}.log",
                    )
                )
            scorer_port = free_port()
            services.append(
                await spawn(
                    "scorer",
                    ["stage", "scorer"],
                    {**env, "STAGE_PORT": str(scorer_port)},
                    scorer_port,
                    "/health",
                    tmp_path / "scorer.log",
                )
            )
            health = {p: f"http://127.0.0.1:{p}/health" for p in projector_ports}
            for _ in range(100):
                roles = {p: await _role(u) for p, u in health.items()}
                if sorted(map(str, roles.values())) == ["active", "standby"]:
                    break
                await asyncio.sleep(0.1)
            active_port = next(p for p, r in roles.items() if r == "active")
            standby_port = next(p for p in projector_ports if p != active_port)
            active = services[projector_ports.index(active_port)]

            received: list[list[dict[str, Any]]] = [[], []]
            readiness = [asyncio.Event(), asyncio.Event()]
            clients = [
                asyncio.create_task(_collect(f"ws://127.0.0.1:{port}/ws?topics=messages", received[i], readiness[i]))
                for i, port in enumerate(api_ports)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readiness)), 20)

            publisher = Publisher(js, producer="test", prefix=subject_prefix)
            imported = messages("-9", TOTAL, "Звіт {i}: deploy ok")

            async def faults() -> None:
                await asyncio.sleep(1.0)
                nodes[1].crash()  # one of three nodes: the R3 stream keeps its quorum
                await asyncio.sleep(1.0)
                active.proc.send_signal(signal.SIGKILL)  # the active projector, without a goodbye

            await asyncio.gather(import_slowly(publisher, imported, CHUNK), faults())
            for _ in range(100):  # the standby takes the lock once the dead one's connection is gone
                if await _role(health[standby_port]) == "active":
                    break
                await asyncio.sleep(0.2)
            assert await _role(health[standby_port]) == "active"

            await settled(js, pool, subject_prefix, TOTAL, timeout_s=240)
            await asyncio.sleep(2)  # the last commit notices reach the replicas
            await assert_logged_and_scored_once(js, pool, subject_prefix, imported)

            relayed = {r["seq"] for r in await pool.fetch("SELECT seq FROM events WHERE topic = 'messages'")}
            for frames in received:
                seqs = [f["seq"] for f in frames]
                assert len(seqs) == len(set(seqs)), "a frame was relayed twice"
                assert set(seqs) == relayed, f"missing {len(relayed - set(seqs))} frames"
            for task in clients:
                task.cancel()

            live = await read_model(pool)
            for service in services:
                await stop(service)
            await assert_replay_equal(pool, live)
        finally:
            for service in services:
                await stop(service)
            await pool.close()
            await nc.close()
