"""Scoring a batch of messages: context from the read model, the pure heuristic, then the optional LLM judge."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.scorer.context import (
    AuthorCache,
    AuthorRecord,
    ChatClock,
    MessageContext,
    gap_seconds,
    latest_before,
    scoring_input,
    smoothed_signal_ratio,
)
from services.scorer.llm_judge import JudgeItem, JudgeSource, Verdict, reconciled_score
from services.scorer.read_model import ContextRequest, ContextRow, fetch_context
from services.scorer.scoring import Score, Thresholds, analyse_content, score_message
from shared.contracts.noise_filtering import JudgeFactors, MessageScored, ScoreFactors
from shared.logging import get_logger

log = get_logger(__name__)


class Pending(msgspec.Struct, frozen=True, kw_only=True):
    """A message to score, with what its event says; gaps are filled from the read model."""

    key: str
    chat_id: str
    text: str
    language: str | None = None
    sent_at: datetime | None = None  # None for edits: the read model knows when the original was sent
    observed_at: datetime  # used as sent_at when nothing better is known
    author: str | None = None
    is_reply: bool = False


class ScoringPipeline:
    def __init__(
        self,
        thresholds: Thresholds,
        *,
        pool: asyncpg.Pool | None = None,
        judges: JudgeSource | None = None,
    ) -> None:
        self.thresholds = thresholds
        self.pool = pool
        self.judges = judges
        self.authors = AuthorCache()
        self.clock = ChatClock()

    async def score(self, items: Sequence[Pending]) -> list[MessageScored]:
        """One MessageScored per item, in order."""
        contexts, sent = await self._contexts(items)
        heuristic = [
            score_message(scoring_input(p.text, p.language, c), thresholds=self.thresholds)
            for p, c in zip(items, contexts, strict=True)
        ]
        verdicts, model = await self._verdicts(items)
        return [
            self._scored(p, when, h, v, model) for p, when, h, v in zip(items, sent, heuristic, verdicts, strict=True)
        ]

    # -- context ----------------------------------------------------------------------------
    async def _contexts(self, items: Sequence[Pending]) -> tuple[list[MessageContext], list[datetime]]:
        rows = await self._rows(items)
        sent = [p.sent_at or (row and row.sent_at) or p.observed_at for p, row in zip(items, rows, strict=True)]
        previous = self._previous_in_batch(items, sent)
        contexts = []
        for i, p in enumerate(items):
            row = rows[i]
            author = p.author or (row.author if row else None)
            known = (previous[i], self.clock.previous(p.chat_id, sent[i]), row.previous_at if row else None)
            prev = latest_before(sent[i], *known)
            record = self.authors.get(author) if author else None
            contexts.append(
                MessageContext(
                    author_signal_ratio=smoothed_signal_ratio(record),
                    is_reply=p.is_reply or (row.is_reply if row else False),
                    seconds_since_previous=gap_seconds(sent[i], prev),
                )
            )
        for p, when in zip(items, sent, strict=True):
            self.clock.record(p.chat_id, when)
        return contexts, sent

    async def _rows(self, items: Sequence[Pending]) -> list[ContextRow | None]:
        if self.pool is None:
            return [None] * len(items)
        requests = []
        asked: set[str] = set()
        for p in items:
            # Edits name no author; ask for the record then, the stored message knows who wrote it.
            need = p.author is None or (p.author not in asked and p.author not in self.authors)
            if p.author:
                asked.add(p.author)
            requests.append(
                ContextRequest(key=p.key, chat_id=p.chat_id, sent_at=p.sent_at, author=p.author, need_author=need)
            )
        try:
            rows = await fetch_context(self.pool, requests)
        except Exception as exc:
            # Context only refines a score; a read-model hiccup must not stop scoring.
            log.warning("context_unavailable", error=f"{type(exc).__name__}: {exc}", size=len(items))
            return [None] * len(items)
        for row in rows:
            if row.author and row.author_total is not None:
                self.authors.put(row.author, AuthorRecord(row.author_signal or 0, row.author_total))
        return list(rows)

    @staticmethod
    def _previous_in_batch(items: Sequence[Pending], sent: Sequence[datetime]) -> list[datetime | None]:
        # Messages of one chat often arrive together, before any of them is in the read model.
        previous: list[datetime | None] = [None] * len(items)
        order = sorted(range(len(items)), key=lambda i: (items[i].chat_id, sent[i]))
        for before, after in itertools.pairwise(order):
            if items[before].chat_id == items[after].chat_id:
                previous[after] = sent[before]
        return previous

    # -- judge ------------------------------------------------------------------------------
    async def _verdicts(self, items: Sequence[Pending]) -> tuple[list[Verdict | None], str | None]:
        judge = await self.judges.current() if self.judges else None
        if judge is None:
            return [None] * len(items), None
        # Pure noise stays with the heuristic: its guarantee holds and the model's tokens are saved.
        asked = [i for i, p in enumerate(items) if not analyse_content(p.text).pure_noise]
        answers = await judge.judge([JudgeItem(str(n), items[i].text) for n, i in enumerate(asked)])
        out: list[Verdict | None] = [None] * len(items)
        for i, verdict in zip(asked, answers, strict=True):
            out[i] = verdict
        return out, judge.config.model

    def _scored(
        self, p: Pending, sent_at: datetime, heuristic: Score, verdict: Verdict | None, model: str | None
    ) -> MessageScored:
        factors = ScoreFactors(**heuristic.factors)
        if verdict is None:
            return MessageScored(
                key=p.key,
                chat_id=p.chat_id,
                text=p.text,
                sent_at=sent_at,
                score=heuristic.score,
                classification=heuristic.classification,
                factors=factors,
            )
        return MessageScored(
            key=p.key,
            chat_id=p.chat_id,
            text=p.text,
            sent_at=sent_at,
            score=reconciled_score(verdict, self.thresholds),
            classification=verdict.classification,
            factors=factors,  # the heuristic's breakdown stays beside the judge's, for comparison
            scorer="llm",
            model=model,
            reasoning=verdict.reasoning[:1000] or None,
            judge_factors=JudgeFactors(
                knowledge_value=verdict.factors.knowledge_value,
                actionability=verdict.factors.actionability,
                urgency=verdict.factors.urgency,
            ),
        )
