"""A stage on real JetStream: delivery, retries with backoff, dead-lettering, health and metrics."""

from __future__ import annotations

import asyncio

import httpx
import nats

from shared.bus import headers as h
from shared.bus.publisher import Publisher
from shared.bus.service import Stage
from shared.bus.streams import ensure_stream
from shared.contracts import Envelope
from shared.contracts.tasks import TaskCreated
from shared.settings import Settings
from shared.testing.running import serving


def _stage(nats_url: str, prefix: str, seen: list[Envelope], attempts: dict[str, int]) -> Stage:
    stage = Stage("probe", Settings(nats_url=nats_url, subject_prefix=prefix, max_deliver=3, ack_wait_s=5))

    @stage.handles("tasks.created")
    async def record(envelope: Envelope, _: Stage) -> None:
        attempts[envelope.data.title] = attempts.get(envelope.data.title, 0) + 1
        if envelope.data.title.startswith("boom"):
            raise RuntimeError("handler exploded")
        if envelope.data.title.startswith("flaky") and attempts[envelope.data.title] < 2:
            raise RuntimeError("transient")
        seen.append(envelope)

    return stage


async def _dlq_messages(nc: nats.NATS, prefix: str, expected: int) -> list[nats.aio.msg.Msg]:
    js = nc.jetstream()
    sub = await js.pull_subscribe(f"{prefix}.dlq.>", durable=None, stream=prefix.upper())
    out: list[nats.aio.msg.Msg] = []
    for _ in range(50):
        try:
            out.extend(await sub.fetch(expected - len(out), timeout=0.5))
        except TimeoutError:
            pass
        if len(out) >= expected:
            break
    return out


async def test_stage_handles_retries_and_dead_letters(nats_url: str, subject_prefix: str) -> None:
    seen: list[Envelope] = []
    attempts: dict[str, int] = {}
    stage = _stage(nats_url, subject_prefix, seen, attempts)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    publisher = Publisher(js, producer="test", prefix=subject_prefix)
    async with serving(stage.app) as base:
        await publisher.emit(TaskCreated(task_id="1", title="fine"))
        await publisher.emit(TaskCreated(task_id="2", title="flaky one"))
        await publisher.emit(TaskCreated(task_id="3", title="boom"))
        # Garbage on a valid subject must not crash the stage: it is dead-lettered with the reason.
        await js.publish(f"{subject_prefix}.tasks.created", b"{not json", headers={h.MSG_ID: "garbage-1"})
        dlq = await _dlq_messages(nc, subject_prefix, expected=2)
        for _ in range(100):
            if len(seen) == 2:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=base) as client:
            health = (await client.get("/health")).json()
            metrics = (await client.get("/metrics")).text
    await nc.close()

    assert sorted(e.data.title for e in seen) == ["fine", "flaky one"]
    assert attempts["flaky one"] == 2
    assert attempts["boom"] == 3  # max_deliver attempts, then dead-lettered
    errors = sorted(m.headers[h.DLQ_ERROR] for m in dlq)
    assert errors[0].startswith("RuntimeError: handler exploded")
    assert "invalid envelope" in errors[1]
    assert all(m.subject == f"{subject_prefix}.dlq.tasks.created" for m in dlq)
    assert health == {"status": "ok", "service": "probe", "consumers": 1}
    assert 'tt_dlq_total{service="probe",subject="' + subject_prefix + '.tasks.created"} 2.0' in metrics


async def test_publish_many_sets_dedupe_ids(nats_url: str, subject_prefix: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    publisher = Publisher(js, producer="test", prefix=subject_prefix)
    items = [(publisher.envelope(TaskCreated(task_id=str(i), title=f"t{i}")), f"task:{i % 5}") for i in range(20)]
    acks = await publisher.publish_many(items)
    info = await js.stream_info(subject_prefix.upper())
    await nc.close()
    assert len(acks) == 20
    assert sum(1 for a in acks if a.duplicate) == 15
    assert info.state.messages == 5


async def test_batch_handler_receives_batches_and_acks_them(nats_url: str, subject_prefix: str) -> None:
    batches: list[list[str]] = []
    stage = Stage("batcher", Settings(nats_url=nats_url, subject_prefix=subject_prefix, max_deliver=3))

    @stage.handles_batch("tasks.created", batch_size=10, max_wait_s=0.2)
    async def collect(envelopes: list[Envelope], _: Stage) -> None:
        batches.append([e.data.title for e in envelopes])

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    publisher = Publisher(js, producer="test", prefix=subject_prefix)
    await publisher.publish_many(
        [(publisher.envelope(TaskCreated(task_id=str(i), title=f"t{i}")), None) for i in range(25)]
    )
    async with serving(stage.app):
        for _ in range(100):
            if sum(len(b) for b in batches) >= 25:
                break
            await asyncio.sleep(0.05)
    info = await js.consumer_info(subject_prefix.upper(), "batcher--tasks_created")
    await nc.close()
    assert sorted(t for b in batches for t in b) == sorted(f"t{i}" for i in range(25))
    assert max(len(b) for b in batches) == 10
    assert info.num_ack_pending == 0 and info.num_pending == 0
