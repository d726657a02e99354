"""The fault tests' import harness: publish an import in paced chunks, wait until it is scored and projected,
then check that every event the stream holds is in the events log, each message ingested and scored once,
and the read model equal to a clean replay of the log (tests/e2e/test_nats_crash.py, test_scale_out.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import nats

from services.gateway import projections
from services.gateway.projections.runner import replay, stream_position
from shared.bus.publisher import Publisher
from shared.bus.streams import stream_name
from shared.contracts import decode, utcnow
from shared.contracts.messages import MessageIngested
from shared.testing.gateway import TOKEN

READ_MODEL = "SELECT key, importance_score, classification, score_factors, scorer FROM messages ORDER BY key"


def service_env(database_url: str, nats_url: str, prefix: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment every service process of a fault test shares."""
    return {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "TT_SUBJECT_PREFIX": prefix,
        "TT_API_TOKENS": TOKEN,
        "TT_DATA_DIR": str(data_dir),
        **extra,
    }


def messages(chat: str, total: int, text: str) -> list[MessageIngested]:
    """`total` messages of one chat; `text` is formatted with the message's number ({i})."""
    return [
        MessageIngested(key=f"telegram:{chat}:{i}", chat_id=chat, message_id=i, text=text.format(i=i), sent_at=utcnow())
        for i in range(total)
    ]


async def import_slowly(
    publisher: Publisher, batch: Sequence[MessageIngested], chunk: int, pause_s: float = 0.05
) -> None:
    """Publish in chunks with a pause between them, so faults land mid-import."""
    for start in range(0, len(batch), chunk):
        part = batch[start : start + chunk]
        await publisher.publish_many([(publisher.envelope(m), m.key) for m in part])
        await asyncio.sleep(pause_s)


async def settled(js: nats.js.JetStreamContext, pool: asyncpg.Pool, prefix: str, total: int, timeout_s: float) -> int:
    """Wait until `total` messages are scored and the stored position is the stream's last sequence; returns it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        last_seq: int = (await js.stream_info(stream_name(prefix))).state.last_seq
        scored = await pool.fetchval("SELECT count(*) FROM messages WHERE classification IS NOT NULL")
        position = await stream_position(pool)
        if scored == total and position == last_seq:
            return last_seq
        assert loop.time() < deadline, f"stalled: {scored}/{total} scored, position {position} of {last_seq}"
        await asyncio.sleep(0.5)


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


async def assert_logged_and_scored_once(
    js: nats.js.JetStreamContext, pool: asyncpg.Pool, prefix: str, imported: Sequence[MessageIngested]
) -> dict[int, tuple[str, str | None]]:
    """Every event the stream holds is in the events log, none dead-lettered, and each imported message was
    ingested and scored exactly once. Returns what the stream holds."""
    held = await stream_contents(js, prefix)
    assert not [seq for seq, (kind, _) in held.items() if kind == "dlq"], "dead-lettered events"
    logged = {r["seq"] for r in await pool.fetch("SELECT seq FROM events")}
    assert logged == set(held), f"missing from the events log: {sorted(set(held) - logged)[:20]}"
    ingested = Counter(k for kind, k in held.values() if kind == "messages.ingested")
    scored = Counter(k for kind, k in held.values() if kind == "noise_filtering.message_scored")
    assert set(ingested) == set(scored) == {m.key for m in imported}
    assert max(ingested.values()) == 1 and max(scored.values()) == 1  # scored once, stored once
    return held


async def read_model(pool: asyncpg.Pool) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await pool.fetch(READ_MODEL)]


async def assert_replay_equal(pool: asyncpg.Pool, live: list[tuple[object, ...]]) -> None:
    """A clean replay of the events log rebuilds the read model row for row (stop the projectors first)."""
    await replay(pool, projections.ALL)
    assert await read_model(pool) == live
