"""A stage stopped with SIGTERM mid-stream drains and exits cleanly; after a restart nothing is missing or doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import nats

from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts import decode, utcnow
from shared.contracts.messages import MessageIngested
from shared.runtime.servers import free_port

TOTAL = 6000


async def start_scorer(nats_url: str, prefix: str, log: Path) -> asyncio.subprocess.Process:
    port = free_port()
    env = {**os.environ, "NATS_URL": nats_url, "TT_SUBJECT_PREFIX": prefix, "STAGE_PORT": str(port)}
    env.pop("DATABASE_URL", None)  # neutral scoring context: the stage needs only the bus here
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.cli.main",
        "stage",
        "scorer",
        env=env,
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/health"
    async with httpx.AsyncClient(timeout=1) as client:
        for _ in range(300):
            try:
                if (await client.get(url)).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("scorer stage did not become healthy")


async def scored_keys(js: nats.js.JetStreamContext, prefix: str) -> list[str]:
    """Every message_scored event in the stream (an ephemeral consumer reads them all)."""
    sub = await js.pull_subscribe(f"{prefix}.noise_filtering.message_scored", durable=None, stream=stream_name(prefix))
    keys: list[str] = []
    while (await sub.consumer_info()).num_pending > 0:
        try:
            batch = await sub.fetch(500, timeout=1)
        except TimeoutError:
            continue
        keys += [decode(m.data, prefix=prefix).data.key for m in batch]
        for m in batch:
            await m.ack()
    await sub.unsubscribe()
    return keys


async def test_sigterm_drains_and_a_restart_finishes_the_stream_without_gaps_or_doubles(
    nats_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    log = tmp_path / "scorer.log"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, subject_prefix)
    publisher = Publisher(js, producer="test", prefix=subject_prefix)
    messages = [
        MessageIngested(
            key=f"telegram:-1:{i}", chat_id="-1", message_id=i, text=f"Деплой {i} впав: 502", sent_at=utcnow()
        )
        for i in range(TOTAL)
    ]
    await publisher.publish_many([(publisher.envelope(m), m.key) for m in messages])

    proc = await start_scorer(nats_url, subject_prefix, log)
    info = await js.stream_info(stream_name(subject_prefix))
    async with asyncio.timeout(60):  # stop it once it is part-way through
        while info.state.messages < TOTAL + 300:
            await asyncio.sleep(0.05)
            info = await js.stream_info(stream_name(subject_prefix))
    proc.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once its graceful shutdown is done, so the exit status is SIGTERM's own.
    assert await asyncio.wait_for(proc.wait(), timeout=40) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text(), log.read_text()[-2000:]
    partial = len(await scored_keys(js, subject_prefix))
    assert 0 < partial < TOTAL, partial  # stopped part-way, not after the end

    proc = await start_scorer(nats_url, subject_prefix, log)
    try:
        async with asyncio.timeout(90):
            while (await js.stream_info(stream_name(subject_prefix))).state.messages < 2 * TOTAL:
                await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=40)
    keys = await scored_keys(js, subject_prefix)
    await nc.close()
    assert sorted(keys) == sorted(m.key for m in messages)  # each message scored exactly once on the bus
