"""Reciprocal rank fusion and how keyword and semantic rankings become one page of hits."""

from __future__ import annotations

import pytest

from services.gateway.search.fusion import reciprocal_rank_fusion
from services.gateway.search.hits import Hit, by_score, conversation_ranking, hybrid


def _hit(kind: str, item: str, score: float) -> Hit:
    return Hit(type=kind, id=item, title=item, text=item, score=score)  # type: ignore[arg-type]


def test_an_item_ranked_by_both_lists_beats_items_ranked_by_one() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "d"]])
    assert fused[0][0] == "c"
    assert fused[0][1] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_scores_are_the_sum_of_one_over_k_plus_rank() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b"]], k=60))
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61})


def test_equal_rrf_scores_keep_the_order_of_first_appearance() -> None:
    assert [item for item, _ in reciprocal_rank_fusion([["x", "y"], ["y", "x"]])] == ["x", "y"]


def test_an_item_listed_twice_in_one_ranking_counts_once() -> None:
    assert dict(reciprocal_rank_fusion([["a", "a"]])) == pytest.approx({"a": 1 / 61})


def test_fusion_of_nothing_is_empty_and_a_negative_k_is_refused() -> None:
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError, match="k must not be negative"):
        reciprocal_rank_fusion([["a"]], k=-1)


def test_hybrid_hits_carry_both_the_keyword_rank_and_the_similarity() -> None:
    keyword = [_hit("message", "m1", 0.4), _hit("atom", "a1", 0.2)]
    semantic = [_hit("message", "m2", 0.91), _hit("message", "m1", 0.88)]
    page = hybrid(keyword, semantic, limit=10)
    assert [h.ref for h in page] == [("message", "m1"), ("message", "m2"), ("atom", "a1")]
    assert page[0].keyword_rank == 0.4 and page[0].similarity == 0.88
    assert page[1].keyword_rank is None and page[1].similarity == 0.91
    assert page[0].score == pytest.approx(1 / 61 + 1 / 62, abs=1e-6)


def test_the_same_id_in_two_tables_is_two_different_hits() -> None:
    page = hybrid([_hit("atom", "1", 0.5)], [_hit("topic", "1", 0.9)], limit=10)
    assert {h.ref for h in page} == {("atom", "1"), ("topic", "1")}


def test_hybrid_and_single_mode_pages_stop_at_the_limit() -> None:
    hits = [_hit("message", str(i), 1 - i / 10) for i in range(5)]
    assert len(hybrid(hits, [], limit=3)) == 3
    assert [h.id for h in by_score([hits[3:], hits[:3]], limit=2)] == ["0", "1"]


def test_weights_scale_each_rankings_contribution() -> None:
    fused = dict(reciprocal_rank_fusion([["a"], ["b"]], k=10, weights=[0.5, 1.0]))
    assert fused == pytest.approx({"a": 0.5 / 11, "b": 1 / 11})
    with pytest.raises(ValueError, match="one non-negative weight per ranking"):
        reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0])


def test_hybrid_with_a_heavier_semantic_weight_puts_the_semantic_top_first() -> None:
    keyword = [_hit("message", "k", 0.5)]
    semantic = [_hit("message", "s", 0.9)]
    assert [h.id for h in hybrid(keyword, semantic, 2, k=5, weights=(0.5, 1.0, 0.0))] == ["s", "k"]
    assert [h.id for h in hybrid(keyword, semantic, 2, k=5, weights=(1.0, 0.5, 0.0))] == ["k", "s"]


def test_a_message_ranks_by_the_best_match_of_its_conversation_then_its_own() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 3, 1, 10, tzinfo=UTC)

    def row(key: str, chat: str, minute: int, similarity: float) -> dict:
        sent = start + timedelta(minutes=minute)
        return {"id": key, "title": key, "text": key, "chat_id": chat, "sent_at": sent, "similarity": similarity}

    rows = [
        row("question", "a", 0, 0.90),
        row("ok", "a", 5, 0.20),
        row("after-pause", "a", 60, 0.50),  # 55 min later: its own conversation
        row("other-chat", "b", 1, 0.60),
    ]
    ranked = conversation_ranking(rows, gap_s=1800, own=0.5)
    assert [hit.id for hit in ranked] == ["question", "ok", "other-chat", "after-pause"]
    assert ranked[1].score == pytest.approx(0.90 + 0.5 * 0.20)
    assert ranked[1].similarity == pytest.approx(0.20)
    assert conversation_ranking([], gap_s=1800, own=0.5) == []
