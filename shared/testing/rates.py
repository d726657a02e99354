"""The baseline every bus benchmark prints its own figures next to: raw nats-py JetStream publishing."""

from __future__ import annotations

import asyncio
import time
import uuid

import nats


async def raw_publish_rate(nats_url: str, payload_size: int, n: int, window: int = 1000) -> float:
    """Messages/s of nats-py `publish_async` with dedupe ids into a throwaway stream, acks awaited per window."""
    name = f"RAW{uuid.uuid4().hex[:8].upper()}"
    subject = f"{name.lower()}.x"
    payload = b"x" * payload_size
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(name=name, subjects=[f"{name.lower()}.>"])
    try:
        started = time.perf_counter()
        for start in range(0, n, window):
            acks = [
                await js.publish_async(subject, payload, headers={"Nats-Msg-Id": str(i)})
                for i in range(start, min(start + window, n))
            ]
            await asyncio.gather(*acks)
        return n / (time.perf_counter() - started)
    finally:
        await js.delete_stream(name)
        await nc.close()
