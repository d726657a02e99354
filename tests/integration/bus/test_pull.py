"""Taking what a pull consumer holds without lingering, on real JetStream: what waits, up to the batch, and
nothing (at once) when nothing waits."""

from __future__ import annotations

import asyncio

import nats

from shared.bus.pull import fetch_waiting
from shared.bus.streams import ensure_stream, stream_name


async def test_fetch_waiting_takes_what_waits_up_to_the_batch_and_nothing_when_nothing_waits(
    nats_url: str, subject_prefix: str
) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, subject_prefix)
        subject = f"{subject_prefix}.tasks.created"
        sub = await js.pull_subscribe(subject, durable="pull-test", stream=stream_name(subject_prefix))
        for i in range(5):
            await js.publish(subject, f"Завдання {i}".encode())

        first = await asyncio.wait_for(fetch_waiting(sub, 3), 5)
        rest = await asyncio.wait_for(fetch_waiting(sub, 100), 5)
        assert [m.data.decode() for m in first + rest] == [f"Завдання {i}" for i in range(5)]
        assert len(first) == 3  # the batch bounds it
        # Nothing waits: an empty answer, not a wait for the next message (the window is the caller's).
        assert await asyncio.wait_for(fetch_waiting(sub, 100), 5) == []
        for msg in first + rest:
            await msg.ack()

        await js.publish(subject, b"late")  # and a pull made later still sees what arrives after
        assert [m.data for m in await asyncio.wait_for(fetch_waiting(sub, 10), 5)] == [b"late"]
    finally:
        await nc.close()
