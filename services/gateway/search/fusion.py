"""Reciprocal rank fusion: merges ranked lists whose scores are not comparable (ts_rank vs cosine)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60  # the constant from Cormack et al.; dampens the weight of the very top ranks


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[K, float]]:
    """Items of all rankings by Σ w/(k + rank), best first; ties keep the order of first appearance."""
    if k < 0:
        raise ValueError(f"k must not be negative, got {k}")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings) or any(w < 0 for w in weights):
        raise ValueError(f"need one non-negative weight per ranking, got {list(weights)} for {len(rankings)}")
    scores: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[K] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:  # a list naming an item twice must not count it twice
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


# (keyword, semantic, linked) weights of hybrid search and how many top hits lead to linked messages (their
# reply thread within THREAD_HOPS, a knowledge hit's sources); chosen on the tuning half of
# data/search_queries.json by bench/search_quality.py, reported on the held-out half (README).
# The linked weight stays at or below the others so a linked message never outranks the hit leading to it.
HYBRID_WEIGHTS = (1.5, 1.0, 0.5)
HYBRID_K = 10
LINK_ANCHORS = 5
THREAD_HOPS = 2
# A hit also leads to the messages said just before and after it in its chat (this many each way, within
# ADJACENT_GAP_S), after its reply thread; 0 = reply links only. Measured like the weights above.
ADJACENT = 1
ADJACENT_GAP_S = 1800.0

# /similar fuses a message's nearest vectors with its reply thread (up to this many links away).
SIMILAR_THREAD_HOPS = 4
SIMILAR_THREAD_WEIGHT = 1.0
