"""Search quality on everyday queries: the labelled queries, the chat they search, and recall@10 / MRR.

Used by bench/search_quality.py (prints the figures, tunes the fusion weights on the tuning half) and by
tests/integration/gateway/test_search_quality.py (fails when quality regresses). Both run the real stack:
the demo export through the real importer, the scenario conversations as ingested events, the real scorer
and embedder stages, the gateway's projection and its search API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import nats
from nats.js import JetStreamContext

from services.embedder.app import build_stage as build_embedder
from services.embedder.providers import EmbeddingProvider
from services.gateway.app import create_app
from services.ingest.export_reader import read_export
from services.ingest.importer import import_export
from services.ingest.language import detect_language
from services.scorer.app import build_stage as build_scorer
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts.messages import MessageIngested
from shared.db.pool import create_pool
from shared.settings import Settings
from shared.testing.labelled import scenario_files
from shared.testing.running import serving, wait_until_projected

ROOT = Path(__file__).resolve().parents[2]
QUERIES_PATH = ROOT / "data" / "search_queries.json"
# Queries written later by someone who never ran the engine on them, all held out; each file reported on its
# own too (its queries' ids start with its name).
FRESH = ("heldout3", "heldout4")
FRESH_QUERIES_PATHS = tuple(ROOT / "data" / f"search_queries_{name}.json" for name in FRESH)
DEMO_EXPORT = ROOT / "data" / "demo" / "telegram_export.json"
SCENARIO_START = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
MODES = ("keyword", "semantic", "hybrid")
KINDS = ("inflection", "cross_language", "paraphrase", "short_message")
K = 10


@dataclass(frozen=True)
class Query:
    id: str
    kind: str
    lang: str
    split: str  # tuning | held_out
    text: str
    relevant: tuple[str, ...]  # "demo:<message id>" or "<scenario file stem>:<order>"


def load_queries(paths: Sequence[Path] = (QUERIES_PATH, *FRESH_QUERIES_PATHS)) -> list[Query]:
    raw = [q for path in paths for q in json.loads(path.read_text(encoding="utf-8"))["queries"]]
    return [Query(q["id"], q["kind"], q["lang"], q["split"], q["query"], tuple(q["relevant"])) for q in raw]


def bench_settings(database_url: str, nats_url: str, *, embed_context_s: float = 600.0) -> Settings:
    """What the search benches run the stack with: their own subject prefix and token; a slow query embedding on
    the shared machine must not fail the run."""
    return Settings(
        database_url=database_url,
        nats_url=nats_url,
        subject_prefix=f"bench{uuid.uuid4().hex[:6]}",
        api_tokens=("bench-token",),
        embed_context_s=embed_context_s,
        embed_rpc_timeout_s=60,
    )


def recall_at(ranked: Sequence[str], relevant: Sequence[str], k: int = K) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def reciprocal_rank(ranked: Sequence[str], relevant: Sequence[str], k: int = K) -> float:
    wanted = set(relevant)
    return next((1.0 / rank for rank, key in enumerate(ranked[:k], start=1) if key in wanted), 0.0)


@dataclass
class Figures:
    recall: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)

    def add(self, ranked: Sequence[str], relevant: Sequence[str]) -> None:
        self.recall.append(recall_at(ranked, relevant))
        self.rr.append(reciprocal_rank(ranked, relevant))

    @property
    def mean_recall(self) -> float:
        return sum(self.recall) / len(self.recall) if self.recall else 0.0

    @property
    def mrr(self) -> float:
        return sum(self.rr) / len(self.rr) if self.rr else 0.0


def scenario_events() -> list[MessageIngested]:
    """Each scenario conversation as one chat (id = file stem), a message a minute."""
    events = []
    for path in scenario_files():
        chat = path.stem
        for m in json.loads(path.read_text(encoding="utf-8"))["messages"]:
            events.append(
                MessageIngested(
                    key=f"telegram:{chat}:{m['order']}",
                    chat_id=chat,
                    message_id=m["order"],
                    text=m["text"],
                    sent_at=SCENARIO_START + timedelta(minutes=m["order"]),
                    language=detect_language(m["text"]),  # as the ingest paths do
                )
            )
    return events


def demo_chat_id() -> str:
    first = next(item for item in read_export(DEMO_EXPORT) if isinstance(item, MessageIngested))
    return first.chat_id


def resolve(ref: str, demo_chat: str) -> str:
    """A query file reference → the message key in the read model."""
    source, number = ref.rsplit(":", 1)
    chat = demo_chat if source == "demo" else source
    return f"telegram:{chat}:{number}"


async def publish_corpus(publisher: Publisher) -> int:
    """The demo export through the real importer and the scenario conversations; returns how many messages."""
    report = await import_export(DEMO_EXPORT, publisher)
    scenarios = scenario_events()
    await publisher.publish_many([(publisher.envelope(e), e.key) for e in scenarios])
    return report.imported + len(scenarios)


async def wait_until_searchable(pool: asyncpg.Pool, total: int, *, timeout: float = 300.0) -> dict[str, int]:
    """Every message stored and scored, and every non-noise message embedded (the embedder's policy)."""
    deadline = asyncio.get_running_loop().time() + timeout
    counts: dict[str, int] = {}
    while True:
        row = await pool.fetchrow(
            """
            SELECT count(*) AS stored, count(classification) AS scored,
                   count(*) FILTER (WHERE effective_classification IN ('signal', 'weak_signal')) AS embeddable,
                   count(embedding) AS embedded
            FROM messages
            """
        )
        counts = dict(row)  # type: ignore[arg-type]
        if counts["stored"] >= total and counts["scored"] >= total and counts["embedded"] >= counts["embeddable"]:
            return counts
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"corpus not searchable within {timeout}s: {counts}")
        await asyncio.sleep(0.25)


async def wait_until_quiet(js: JetStreamContext, prefix: str, pool: asyncpg.Pool, *, quiet_s: float = 0.5) -> None:
    """Until nothing new was published for `quiet_s` and the gateway has projected all of it."""
    last = -1
    while True:
        seq: int = (await js.stream_info(stream_name(prefix))).state.last_seq
        await wait_until_projected(pool, seq)
        if seq == last:
            return
        last = seq
        await asyncio.sleep(quiet_s)


Search = Callable[[str, str, int], Awaitable[list[str]]]


def api_search(client: httpx.AsyncClient, rerank: bool | None = None) -> Search:
    """Message keys as GET /api/v1/search ranks them (rerank: the API's `rerank`, None = its default)."""

    async def search(query: str, mode: str, limit: int) -> list[str]:
        params: dict[str, Any] = {"q": query, "mode": mode, "types": "messages", "limit": limit}
        if rerank is not None:
            params["rerank"] = str(rerank).lower()
        response = await client.get("/api/v1/search", params=params)
        response.raise_for_status()
        return [hit["id"] for hit in response.json()["results"]]

    return search


async def evaluate(
    search: Search, queries: Sequence[Query], demo_chat: str, modes: Sequence[str] = MODES
) -> dict[tuple[str, str], Figures]:
    """Figures per (mode, split) and per (mode, kind), plus (mode, "all") and (mode, name) of each FRESH file."""
    figures: dict[tuple[str, str], Figures] = {}
    for query in queries:
        relevant = [resolve(ref, demo_chat) for ref in query.relevant]
        for mode in modes:
            ranked = await search(query.text, mode, K)
            fresh = tuple(name for name in FRESH if query.id.startswith(f"{name}-"))
            for group in (query.split, query.kind, "all", *fresh):
                figures.setdefault((mode, group), Figures()).add(ranked, relevant)
    return figures


@dataclass
class Stack:
    client: httpx.AsyncClient  # the gateway, with the bearer token on every request
    pool: asyncpg.Pool
    demo_chat: str
    counts: dict[str, int]
    nc: nats.NATS  # for the gateway's own helpers (query-word translations)
    prefix: str


async def extract_knowledge(client: httpx.AsyncClient, chats: Sequence[str], *, timeout: float = 900.0) -> list[dict]:
    """One offline extraction run per chat over its whole history (POST /knowledge/extract), until all finish."""
    runs = []
    for chat in chats:
        answer = await client.post(
            "/api/v1/knowledge/extract", json={"chat_id": chat, "period_start": "2000-01-01T00:00:00Z"}
        )
        answer.raise_for_status()
        runs.append(answer.json()["id"])
    deadline = asyncio.get_running_loop().time() + timeout
    finished: dict[str, dict] = {}
    while len(finished) < len(runs):
        for run_id in runs:
            if run_id not in finished:
                run = (await client.get(f"/api/v1/knowledge/runs/{run_id}")).json()
                if run.get("status") in ("completed", "failed", "cancelled"):
                    finished[run_id] = run
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"extraction runs not finished within {timeout}s")
        await asyncio.sleep(1.0)
    return list(finished.values())


@contextlib.asynccontextmanager
async def searchable_corpus(
    settings: Settings, provider: EmbeddingProvider, *, knowledge: bool = False
) -> AsyncIterator[Stack]:
    """Gateway, scorer and embedder running on real NATS and PostgreSQL, the corpus imported and searchable.

    `settings` needs a migrated database, a NATS URL, a subject prefix and one API token. The search rate limit
    is lifted: the evaluation asks hundreds of queries as one caller, which is what the limit is there to stop.
    """
    settings = msgspec.structs.replace(settings, rate_limit_per_min=1_000_000, rate_limit_burst=1_000_000)
    nc = await nats.connect(settings.nats_url)
    pool = await create_pool(settings.database_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings.subject_prefix)
        publisher = Publisher(js, producer="search-quality", prefix=settings.subject_prefix)
        scorer, embedder = build_scorer(settings), build_embedder(settings, provider=provider)
        headers = {"Authorization": f"Bearer {settings.api_tokens[0]}"}
        async with contextlib.AsyncExitStack() as stages:
            base = await stages.enter_async_context(serving(create_app(settings), health_path="/api/health"))
            await stages.enter_async_context(serving(scorer.app))
            await stages.enter_async_context(serving(embedder.app))
            if knowledge:  # the offline extractor, run on demand below (never on its own trigger)
                from services.extractor.app import build_stage as build_extractor

                extractor = build_extractor(settings, provider=provider)
                await stages.enter_async_context(serving(extractor.app))
            client = await stages.enter_async_context(httpx.AsyncClient(base_url=base, timeout=60, headers=headers))
            total = await publish_corpus(publisher)
            counts = await wait_until_searchable(pool, total)
            await wait_until_quiet(js, settings.subject_prefix, pool)  # the vocabulary follows its messages
            counts["terms"] = await pool.fetchval("SELECT count(*) FROM search_terms")
            if knowledge:
                chats = [r["chat_id"] for r in await pool.fetch("SELECT DISTINCT chat_id FROM messages")]
                runs = await extract_knowledge(client, chats)
                counts["knowledge_runs_completed"] = sum(r["status"] == "completed" for r in runs)
                counts["atoms"] = await pool.fetchval("SELECT count(*) FROM atoms WHERE embedding IS NOT NULL")
                counts["topics"] = await pool.fetchval("SELECT count(*) FROM topics WHERE embedding IS NOT NULL")
            yield Stack(client, pool, demo_chat_id(), counts, nc, settings.subject_prefix)
    finally:
        await pool.close()
        await nc.close()
