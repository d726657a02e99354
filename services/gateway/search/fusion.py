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

# Conversation list of hybrid search: the messages said around the first pass's best hits (same chat, within
# CONVERSATION_REACH_S), split into conversations at pauses longer than CONVERSATION_GAP_S; a message ranks by
# the best query similarity in its conversation plus CONVERSATION_OWN times its own, so a short reply rides on
# the message of its conversation that matches the query. The first KEEP_HEAD hits of the ranking without it
# stay on top: a conversation list must not push the direct best hits down. Chosen on the tuning half by
# bench/search_context.py (held-out figures in the README); weight 0 turns it off.
CONVERSATION_WEIGHT = 1.0
CONVERSATION_ANCHORS = 5
CONVERSATION_DEPTH = 50  # how deep the conversation list goes, as deep as the keyword and semantic lists
CONVERSATION_REACH_S = 7200.0
CONVERSATION_GAP_S = 1800.0
CONVERSATION_OWN = 0.5
KEEP_HEAD = 2
