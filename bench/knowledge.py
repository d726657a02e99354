"""Knowledge read models and API: projection rate of extractor events, then API latencies at that size.

Run: `uv run python bench/knowledge.py [--atoms 5000] [--topics 100] [--requests 50]`. Publishes messages, topics,
atoms (a third of them linked with `solves`) and a messages_consumed per 100 atoms, starts the gateway and measures
how fast it projects them; then times the knowledge routes (reads, and the review writes, which answer only after
the projector has applied their event). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats

from services.gateway.app import create_app
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts.knowledge import (
    AtomCreated,
    AtomLink,
    AtomTopic,
    MessagesConsumed,
    TopicCreated,
    atom_id_for,
    topic_id_for,
)
from shared.contracts.messages import Author, MessageIngested
from shared.db import migrate
from shared.settings import Settings
from shared.testing.infra import create_database, test_infra
from shared.testing.running import serving, wait_until_projected

TOKEN = "bench-token"
TYPES = ("problem", "solution", "decision", "question", "insight", "idea", "blocker", "risk", "requirement")
START = datetime.now(UTC) - timedelta(days=20)


def knowledge_events(atoms: int, topics: int) -> tuple[list[Any], list[Any]]:
    """(messages, knowledge events): one message per atom, atoms spread over topics and 20 days."""
    messages = [
        MessageIngested(
            key=f"telegram:-100{i % 10}:{i}",
            chat_id=f"-100{i % 10}",
            message_id=i,
            text=f"Повідомлення {i}: деплой падає, the fix is to roll back migration {i}",
            sent_at=START + timedelta(minutes=i),
            author=Author(source_user_id=str(i % 17), display_name=f"User {i % 17}"),
            language="uk",
        )
        for i in range(atoms)
    ]
    run_id = str(uuid.uuid4())
    names = [f"Тема {t} deploy area" for t in range(topics)]
    events: list[Any] = [TopicCreated(topic_id=topic_id_for(n), name=n, run_id=run_id) for n in names]
    previous: str | None = None
    for i, m in enumerate(messages):
        kind = TYPES[i % len(TYPES)]
        atom_id = atom_id_for(kind, f"Atom {i}", [m.key])
        links = [AtomLink(target_atom_id=previous, link_type="solves")] if kind == "solution" and previous else []
        events.append(
            AtomCreated(
                atom_id=atom_id,
                type=kind,  # type: ignore[arg-type]
                title=f"Atom {i}: деплой і міграції",
                content=f"Зміст атома {i}. Content in English too.",
                confidence=0.7 + (i % 30) / 100,
                message_keys=[m.key],
                topics=[AtomTopic(topic_id=topic_id_for(names[i % topics]), similarity=0.9)],
                links=links,
                run_id=run_id,
            )
        )
        previous = atom_id
        if i % 100 == 99:
            keys = [x.key for x in messages[i - 99 : i + 1]]
            events.append(
                MessagesConsumed(
                    run_id=run_id, message_keys=keys, topics={k: topic_id_for(names[i % topics]) for k in keys}
                )
            )
    return messages, events


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def timed(label: str, n: int, call: Callable[[int], Awaitable[httpx.Response]]) -> None:
    times = []
    for i in range(n):
        began = time.perf_counter()
        response = await call(i)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code < 300, (label, response.status_code, response.text[:200])
    print(f"  {label:<42} p50 {statistics.median(times):7.1f} ms   p95 {pct(times, 95):7.1f} ms")


async def main(atoms: int, topics: int, requests: int) -> None:
    with test_infra() as infra:
        database_url = await create_database(infra.admin_database_url, "tt_bench_knowledge")
        migrate.apply(database_url)
        prefix = f"k{uuid.uuid4().hex[:8]}"
        nc = await nats.connect(infra.nats_url)
        js = nc.jetstream()
        await ensure_stream(js, prefix)
        publisher = Publisher(js, producer="bench", prefix=prefix)
        messages, events = knowledge_events(atoms, topics)
        for start in range(0, len(messages), 500):
            await publisher.publish_many([(publisher.envelope(m), m.key) for m in messages[start : start + 500]])
        settings = Settings(
            database_url=database_url, nats_url=infra.nats_url, subject_prefix=prefix, api_tokens=(TOKEN,)
        )
        db = await asyncpg.connect(database_url)
        async with serving(create_app(settings), health_path="/api/health") as base:
            await wait_until_projected(db, (await js.stream_info(stream_name(prefix))).state.last_seq)
            began = time.perf_counter()
            for start in range(0, len(events), 500):
                await publisher.publish_many([(publisher.envelope(e), None) for e in events[start : start + 500]])
            await wait_until_projected(db, (await js.stream_info(stream_name(prefix))).state.last_seq)
            rate = len(events) / (time.perf_counter() - began)
            print(f"knowledge events: {len(events)} ({atoms} atoms, {topics} topics) published and projected")
            print(f"  publish → projected                       {rate:8.0f} events/s")

            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(base_url=base + "/api/v1/knowledge", headers=headers, timeout=60) as api:
                ids = [
                    r["id"]
                    for r in await db.fetch("SELECT id::text FROM atoms ORDER BY created_at LIMIT $1", requests * 2)
                ]
                topic = await db.fetchval("SELECT id::text FROM topics LIMIT 1")
                await timed("GET atoms (50, newest first)", requests, lambda i: api.get("/atoms"))
                await timed(
                    "GET atoms?q=деплой&min_confidence=0.8",
                    requests,
                    lambda i: api.get("/atoms", params={"q": "деплой", "min_confidence": 0.8}),
                )
                await timed("GET atoms/{id} (detail)", requests, lambda i: api.get(f"/atoms/{ids[i]}"))
                await timed("GET topics (100, with counts)", requests, lambda i: api.get("/topics"))
                await timed("GET topics/{id}/atoms", requests, lambda i: api.get(f"/topics/{topic}/atoms"))
                await timed(
                    "GET versions?state=proposed",
                    requests,
                    lambda i: api.get("/versions", params={"state": "proposed"}),
                )
                await timed("GET versions/pending-count", requests, lambda i: api.get("/versions/pending-count"))
                await timed(
                    "PATCH atoms/{id} (propose; applied)",
                    requests,
                    lambda i: api.patch(f"/atoms/{ids[i]}", json={"title": f"Edited {i}"}),
                )
                await timed("GET versions/atom/{id}/diff", requests, lambda i: api.get(f"/versions/atom/{ids[i]}/diff"))
                await timed(
                    "POST …/approve (applied)", requests, lambda i: api.post(f"/versions/atom/{ids[i]}/2/approve")
                )
                bulk = [{"entity": "atom", "entity_id": x, "version": 1} for x in ids[requests : requests * 2]]
                await timed(
                    "POST versions/bulk-approve (1 request)",
                    1,
                    lambda i: api.post("/versions/bulk-approve", json={"items": bulk}),
                )
                await timed(
                    "GET auto-approval-rules/dry-run",
                    requests,
                    lambda i: api.post("/auto-approval-rules/dry-run", json={"min_confidence": 0.9}),
                )
                await timed("GET digest?days=30 (JSON)", requests, lambda i: api.get("/digest", params={"days": 30}))
                await timed(
                    "GET digest?days=30 (Markdown)",
                    requests,
                    lambda i: api.get("/digest", params={"days": 30}, headers={"Accept": "text/markdown"}),
                )
        await db.close()
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--atoms", type=int, default=5000)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the figures
    asyncio.run(main(args.atoms, args.topics, args.requests))
