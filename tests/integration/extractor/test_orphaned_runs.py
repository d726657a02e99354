"""A replica killed mid-run (kill -9): another extractor fails its runs through their usual events.

An extraction run (holding its chat's lock) and an analysis run are both waiting on a real local OpenAI-compatible
server on an extractor stage process. That process is killed; a second extractor process starts. Within a bound
both runs are failed with the orphan reason, the chat lock is free (a new run for the chat starts and completes),
the start commands JetStream redelivers are not run again, and nothing else was written.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path

import httpx
import msgspec

from services.extractor.locks import Locks
from services.extractor.orphans import REASON
from services.gateway.app import create_app
from shared.runtime.servers import free_port
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.imports import service_env
from shared.testing.openai_server import OpenAICompatible
from shared.testing.processes import Service, spawn, stop
from shared.testing.running import serving
from tests.integration.analysis.system import SECRET_KEY, System
from tests.integration.analysis.test_run_edges import CHAT, FIVE_BUGS, T0, HeldOpen, llm_agent, seed, start_run

CLAIM_TTL_S = 4.0
BOUND_S = 60.0  # kill → failed: the claim's TTL, a sweep period, the new process's start, the projection (loaded box)


async def extractor(harness: GatewayHarness, tmp_path: Path, name: str) -> Service:
    port = free_port()
    env = service_env(
        harness.settings.database_url,
        harness.settings.nats_url,
        harness.settings.subject_prefix,
        tmp_path / "data",
        TT_SECRET_KEY=SECRET_KEY,
        TT_RUN_CLAIM_TTL_S=str(CLAIM_TTL_S),
        TT_ORPHAN_SWEEP_S="1",
        TT_ACK_WAIT_S="3",  # the dead replica's commands come back soon, to show they are not run again
        STAGE_PORT=str(port),
    )
    return await spawn(name, ["stage", "extractor"], env, port, "/health", tmp_path / f"{name}.log")


async def test_runs_of_a_killed_replica_fail_with_the_reason_and_free_the_chat(
    harness: GatewayHarness, tmp_path: Path
) -> None:
    held = HeldOpen(answer=json.dumps({"topics": [], "atoms": []}))
    await seed(harness, FIVE_BUGS)
    settings = msgspec.structs.replace(harness.settings, secret_key=SECRET_KEY)
    first = await extractor(harness, tmp_path, "extractor1")
    second: Service | None = None
    try:
        async with (
            serving(OpenAICompatible(reply=held, model="m").app(), health_path="/health") as llm_base,
            serving(create_app(settings), health_path="/api/health") as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client,
        ):
            system = System(client, harness, base)
            await system.wait("SELECT count(*) FROM messages WHERE classification IS NOT NULL", len(FIVE_BUGS))
            proposer = await llm_agent(system, llm_base)
            extractor_agent = await system.call(
                "POST",
                "/api/v1/agents/",
                201,
                json={
                    "name": "llm-extractor",
                    "role": "knowledge_extractor",
                    "provider_id": (await system.call("GET", "/api/v1/agents/" + proposer))["provider_id"],
                    "model": "m",
                },
            )
            period = {
                "chat_id": CHAT,
                "period_start": T0.replace(hour=0).isoformat(),
                "agent_id": extractor_agent["id"],
            }
            extraction = await system.call("POST", "/api/v1/knowledge/extract", 202, json=period)
            analysis = await start_run(system, proposer)
            async with asyncio.timeout(30):
                while held.calls < 2:  # both runs are with the model, on the first replica
                    await asyncio.sleep(0.05)
            await system.wait(
                "SELECT status FROM extraction_runs WHERE id = $1", "running", uuid.UUID(extraction["id"])
            )
            await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "running", analysis["id"])

            first.proc.send_signal(signal.SIGKILL)
            await first.proc.wait()
            killed_at = time.perf_counter()
            second = await extractor(harness, tmp_path, "extractor2")
            await system.wait(
                "SELECT status || ':' || error FROM extraction_runs WHERE id = $1",
                f"failed:{REASON}",
                uuid.UUID(extraction["id"]),
                timeout=BOUND_S,
            )
            await system.wait(
                "SELECT status || ':' || error FROM analysis_runs WHERE id = $1",
                f"failed:{REASON}",
                analysis["id"],
                timeout=BOUND_S,
            )
            print(f"kill -9 → both runs failed in {time.perf_counter() - killed_at:.1f} s")

            # The start commands JetStream redelivers (ack wait 3 s) ran nothing again, on either replica.
            await asyncio.sleep(2 * 3 + 1)
            for event_type, count in (
                ("knowledge.extraction_started", 1),
                ("knowledge.extraction_completed", 1),
                ("analysis.run_started", 1),
                ("analysis.run_failed", 1),
                ("proposals.created", 0),
                ("knowledge.atom_created", 0),
                ("knowledge.topic_created", 0),
                ("knowledge.messages_consumed", 0),
            ):
                got = await system.fetchval("SELECT count(*) FROM events WHERE type = $1", event_type)
                assert got == count, (event_type, got)
            assert held.calls == 2
            assert await system.fetchval("SELECT count(*) FROM messages WHERE extraction_run_id IS NOT NULL") == 0
            locks = await Locks.open(harness.js, harness.settings.subject_prefix, CLAIM_TTL_S)
            assert not await locks.chat_locked(CHAT)

            # The chat is free: a new run for it starts on the new replica and completes.
            held.release.set()
            again = await system.call("POST", "/api/v1/knowledge/extract", 202, json=period)
            await system.wait("SELECT status FROM extraction_runs WHERE id = $1", "completed", uuid.UUID(again["id"]))
            assert held.calls == 3
            runs = await system.call("GET", f"/api/v1/knowledge/runs/{extraction['id']}")
            assert (runs["status"], runs["error"]) == ("failed", REASON)
    finally:
        await stop(first)
        if second is not None:
            await stop(second)
