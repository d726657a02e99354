"""Webhook → WebSocket latency: a Telegram update posted to the API until its `message_scored` frame arrives.

The path: API (publish, JetStream ack) → scorer stage → projector (commit) → commit notice → API replica →
WebSocket. Raw baseline of the same run: a core-NATS request/reply round trip on the same server.
Run: uv run python bench/latency.py [--messages 200]. Prints figures (target p50 ≤ 50 ms); never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx
import nats
import websockets

from shared.testing.stack import HEADERS, WEBHOOK_SECRET, percentile, stack

CHAT = -1_009_000_000
TARGET_P50_MS = 50.0


def update(message_id: int) -> dict[str, Any]:
    return {
        "update_id": message_id,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": CHAT, "type": "supergroup", "title": "bench"},
            "from": {"id": 7, "is_bot": False, "first_name": "Oksana"},
            "text": f"Деплой {message_id} впав: 502 на /api/payments, хто подивиться?",
        },
    }


async def nats_round_trip_ms(nats_url: str, n: int) -> list[float]:
    nc = await nats.connect(nats_url)

    async def answer(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(b"ok")

    sub = await nc.subscribe("bench.rtt", cb=answer)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await nc.request("bench.rtt", b"ping", timeout=5)
        samples.append((time.perf_counter() - started) * 1000)
    await sub.unsubscribe()
    await nc.close()
    return samples


async def measure(messages: int) -> dict[str, float]:
    async with stack(api_replicas=1, stages=("scorer",)) as system:
        api = system.api[0]
        async with httpx.AsyncClient(base_url=api, headers=HEADERS, timeout=10) as client:
            (await client.patch(f"/api/v1/chats/{CHAT}", json={"monitored": True})).raise_for_status()
            for _ in range(100):
                chats = (await client.get("/api/v1/chats", params={"monitored": True})).json()
                if any(str(c.get("chat_id")) == str(CHAT) and c.get("monitored") for c in chats):
                    break
                await asyncio.sleep(0.1)
            ws_url = api.replace("http://", "ws://") + "/ws?topics=noise_filtering"
            async with websockets.connect(ws_url, additional_headers=HEADERS, max_size=None) as ws:
                await ws.recv()
                latencies = []
                for i in range(1, messages + 1):
                    key = f"telegram:{CHAT}:{i}"
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/webhooks/telegram",
                        json=update(i),
                        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                    )
                    response.raise_for_status()
                    if response.json().get("status") != "accepted":  # the chat's monitoring not projected yet
                        await asyncio.sleep(0.2)
                        continue
                    while True:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                        if frame.get("type") == "ping":
                            await ws.send(json.dumps({"action": "pong"}))
                        if frame.get("type") == "noise_filtering.message_scored" and frame["data"]["key"] == key:
                            break
                    latencies.append((time.perf_counter() - started) * 1000)
                    await asyncio.sleep(0.02)
        raw = await nats_round_trip_ms(system.nats_url, 500)
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "raw_p50_ms": percentile(raw, 50),
        "raw_p95_ms": percentile(raw, 95),
    }


def report(figures: dict[str, float]) -> None:
    print(
        f"webhook → message_scored frame: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms "
        f"(target p50 ≤ {TARGET_P50_MS:.0f} ms); raw NATS round trip p50 {figures['raw_p50_ms']:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    report(asyncio.run(measure(args.messages)))


if __name__ == "__main__":
    main()
