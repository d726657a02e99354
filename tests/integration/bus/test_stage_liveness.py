"""A stage that is connected but not consuming says so on /health; infrastructure failures never dead-letter."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import nats

from shared.bus.publisher import Publisher
from shared.bus.service import Stage
from shared.bus.streams import ensure_stream
from shared.contracts import Envelope
from shared.contracts.tasks import TaskCreated
from shared.settings import Settings
from shared.testing.running import serving


async def test_a_handler_stuck_past_the_deadline_makes_the_stage_unhealthy(nats_url: str, subject_prefix: str) -> None:
    stage = Stage("stuck", Settings(nats_url=nats_url, subject_prefix=subject_prefix, ack_wait_s=5))
    stage.progress.stall_after_s = 1.5
    started, release = asyncio.Event(), asyncio.Event()

    @stage.handles("tasks.created")
    async def hang(envelope: Envelope, _: Stage) -> None:
        started.set()
        await release.wait()

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    async with serving(stage.app) as base, httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/health")).status_code == 200
        await Publisher(js, producer="test", prefix=subject_prefix).emit(TaskCreated(task_id="1", title="hang"))
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.sleep(2.0)
        stuck = await client.get("/health")
        release.set()
        for _ in range(50):
            if (await client.get("/health")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        recovered = await client.get("/health")
    await nc.close()
    assert stuck.status_code == 503
    assert stuck.json()["problem"].startswith("a handler has run for more than")
    assert recovered.status_code == 200


async def test_a_database_outage_is_waited_for_in_place_and_never_dead_letters(
    nats_url: str, subject_prefix: str
) -> None:
    # max_deliver=1: a failure counted as a delivery would dead-letter at once.
    stage = Stage("patient", Settings(nats_url=nats_url, subject_prefix=subject_prefix, max_deliver=1, ack_wait_s=5))
    calls: list[int] = []
    done = asyncio.Event()

    @stage.handles("tasks.created")
    async def flaky_database(envelope: Envelope, _: Stage) -> None:
        calls.append(1)
        if len(calls) < 4:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
        done.set()

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    async with serving(stage.app):
        await Publisher(js, producer="test", prefix=subject_prefix).emit(TaskCreated(task_id="1", title="x"))
        await asyncio.wait_for(done.wait(), 20)
        await asyncio.sleep(0.3)
    info = await js.stream_info(subject_prefix.upper())
    await nc.close()
    assert len(calls) == 4
    assert info.state.messages == 1  # the event itself; no dead letter was published
