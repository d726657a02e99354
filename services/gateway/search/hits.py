"""Search results and how the ranked lists of each table and mode become one page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

import msgspec

from services.gateway.search.fusion import RRF_K, reciprocal_rank_fusion

HitType = Literal["message", "atom", "topic"]


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    type: HitType
    id: str  # message key, or atom / topic uuid
    title: str  # message text, atom title, topic name
    text: str  # the whole message text, atom content, topic description
    score: float  # the ranking score of the mode: ts_rank, cosine similarity, or RRF
    similarity: float | None = None  # cosine similarity to the query, when it was ranked semantically
    keyword_rank: float | None = None  # ts_rank, when it matched the keywords
    chat_id: str | None = None
    sent_at: datetime | None = None
    sources: list[str] | None = None  # an atom's or topic's source message keys

    @property
    def ref(self) -> tuple[str, str]:
        return self.type, self.id


def by_score(lists: Iterable[list[Hit]], limit: int) -> list[Hit]:
    """One page from per-table lists of the same mode, whose scores are comparable."""
    merged = [hit for hits in lists for hit in hits]
    merged.sort(key=lambda hit: -hit.score)
    return merged[:limit]


def hybrid(
    keyword: list[Hit],
    semantic: list[Hit],
    limit: int,
    k: int = RRF_K,
    weights: tuple[float, ...] = (1.0, 1.0, 1.0),  # plain RRF; search passes the measured ones
    linked: Sequence[Hit] = (),
    conversation: Sequence[Hit] = (),
) -> list[Hit]:
    """Weighted reciprocal rank fusion of the keyword, semantic, linked (see `linked_ranking`) and conversation
    (see `conversation_ranking`, fourth weight, 0 when absent) rankings; each hit keeps its keyword rank and
    similarity."""
    keyword = sorted(keyword, key=lambda hit: -hit.score)
    semantic = sorted(semantic, key=lambda hit: -hit.score)
    found = {hit.ref: hit for hit in conversation}
    found.update({hit.ref: hit for hit in linked})
    found.update({hit.ref: hit for hit in keyword})
    found.update({hit.ref: hit for hit in semantic})
    ranks = {hit.ref: hit.score for hit in keyword}
    similarities = {hit.ref: hit.score for hit in semantic}
    rankings = [[h.ref for h in keyword], [h.ref for h in semantic], [h.ref for h in linked]]
    weights = (*weights, 0.0)[:4] if len(weights) == 3 else weights
    rankings.append([h.ref for h in conversation])
    fused = reciprocal_rank_fusion(rankings, k=k, weights=weights)
    return [
        msgspec.structs.replace(
            found[ref], score=round(score, 6), keyword_rank=ranks.get(ref), similarity=similarities.get(ref)
        )
        for ref, score in fused[:limit]
    ]


def linked_ranking(
    anchors: Iterable[Hit], threads: Mapping[str, list[Hit]], sources: Mapping[str, Hit], depth: int
) -> list[Hit]:
    """The messages the best hits lead to, in the order of those hits: a message's conversation (reply
    links) and a knowledge hit's source messages. An incident is many messages; a query names a few."""
    ranking: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for anchor in list(anchors)[:depth]:
        if anchor.type == "message":
            reached = threads.get(anchor.id, [])
        else:
            reached = [sources[key] for key in anchor.sources or () if key in sources]
        for hit in reached:
            if hit.ref not in seen:
                seen.add(hit.ref)
                ranking.append(hit)
    return ranking


def conversation_ranking(around: Iterable[Mapping], gap_s: float, own: float) -> list[Hit]:
    """Messages ranked by the conversation they belong to: rows (id, title, text, chat_id, sent_at, similarity)
    in chat and time order are split into conversations at pauses longer than `gap_s`; each message scores the
    best similarity in its conversation plus `own` times its own. A short reply («так, беру», "done") says
    little by itself; the message it answers says what the conversation is about."""
    conversations: list[list[Mapping]] = []
    for row in around:
        last = conversations[-1][-1] if conversations else None
        if (
            last is not None
            and last["chat_id"] == row["chat_id"]
            and (row["sent_at"] - last["sent_at"]).total_seconds() <= gap_s
        ):
            conversations[-1].append(row)
        else:
            conversations.append([row])
    scored: list[Hit] = []
    for conversation in conversations:
        best = max(float(row["similarity"]) for row in conversation)
        for row in conversation:
            similarity = float(row["similarity"])
            scored.append(
                Hit(
                    type="message",
                    id=row["id"],
                    title=row["title"],
                    text=row["text"],
                    score=round(best + own * similarity, 6),
                    similarity=round(similarity, 6),
                    chat_id=row["chat_id"],
                    sent_at=row["sent_at"],
                )
            )
    scored.sort(key=lambda hit: -hit.score)  # stable: ties keep chat and time order
    return scored
