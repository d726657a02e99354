"""WebSocket fan-out: 1,000 clients over two API replicas, each event's frame delivery latency p50/p99.

Events are published to JetStream one every 100 ms; latency runs from the publish to each client's receipt,
through the projector's commit and its notice to both replicas. Raw baseline of the same run: one core-NATS
message delivered to 1,000 subscriptions in this process (what fanning out costs before any WebSocket).
Run: uv run python bench/ws_fanout.py [--clients 1000] [--events 50]. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import nats
import websockets

from shared.bus.publisher import Publisher
from shared.contracts import utcnow
from shared.contracts.messages import MessageIngested
from shared.testing.stack import HEADERS, percentile, stack


async def raw_fanout(nats_url: str, clients: int, events: int) -> list[float]:
    nc = await nats.connect(nats_url)
    latencies: list[float] = []

    async def on_message(msg: nats.aio.msg.Msg) -> None:
        latencies.append((time.perf_counter() - float(msg.data)) * 1000)

    subs = [await nc.subscribe("bench.fanout", cb=on_message) for _ in range(clients)]
    for _ in range(events):
        await nc.publish("bench.fanout", str(time.perf_counter()).encode())
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    for sub in subs:
        await sub.unsubscribe()
    await nc.close()
    return latencies


async def measure(clients: int, events: int) -> dict[str, float]:
    async with stack(api_replicas=2, stages=()) as system:
        sent: dict[int, float] = {}
        latencies: list[float] = []
        done = asyncio.Event()
        expected = clients * events

        async def client(i: int, ready: asyncio.Event) -> None:
            url = system.api[i % len(system.api)].replace("http://", "ws://") + "/ws?topics=messages"
            async with websockets.connect(url, additional_headers=HEADERS, max_size=None, open_timeout=60) as ws:
                await ws.recv()
                ready.set()
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame.get("type") == "messages.ingested":
                        latencies.append((time.perf_counter() - sent[frame["data"]["message_id"]]) * 1000)
                        if len(latencies) >= expected:
                            done.set()
                    elif frame.get("type") == "ping":
                        await ws.send(json.dumps({"action": "pong"}))

        readies = [asyncio.Event() for _ in range(clients)]
        tasks = []
        for i in range(clients):  # connect in waves so the accept queues keep up
            tasks.append(asyncio.create_task(client(i, readies[i])))
            if i % 50 == 49:
                await asyncio.gather(*(r.wait() for r in readies[: i + 1]))
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        nc = await nats.connect(system.nats_url)
        publisher = Publisher(nc.jetstream(), producer="bench", prefix=system.prefix)
        for i in range(events):
            message = MessageIngested(
                key=f"telegram:-5:{i}", chat_id="-5", message_id=i, text=f"ping {i}", sent_at=utcnow()
            )
            sent[i] = time.perf_counter()
            await publisher.publish(publisher.envelope(message), msg_id=message.key)
            await asyncio.sleep(0.1)
        try:
            await asyncio.wait_for(done.wait(), 60)
        except TimeoutError:
            pass
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()
        raw = await raw_fanout(system.nats_url, clients, events)
    return {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "delivered": len(latencies) / expected,
        "raw_p50_ms": percentile(raw, 50),
        "raw_p99_ms": percentile(raw, 99),
    }


def report(f: dict[str, float], clients: int) -> None:
    print(
        f"{clients} WebSocket clients on 2 API replicas: frame p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms, "
        f"{f['delivered']:.1%} of frames delivered; raw core-NATS fan-out p50 {f['raw_p50_ms']:.1f} ms, "
        f"p99 {f['raw_p99_ms']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    report(asyncio.run(measure(args.clients, args.events)), args.clients)


if __name__ == "__main__":
    main()
