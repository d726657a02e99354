"""Scoring a batch of messages: context from the read model, the pure heuristic, then the optional LLM judge.

Context per message: the author's record (read model + what this process scored since), the gap to the
chat's previous message and the burst around it, repeats of the same text in the chat, keywords of the
chat's topics, and the chat's reviewer overrides.  Every read-model query is per batch, never per message.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.scorer.adaptation import OverrideExample
from services.scorer.context import (
    AuthorCache,
    AuthorRecord,
    ChatClock,
    ChatMemory,
    MessageContext,
    OverrideGrams,
    TtlCache,
    gap_seconds,
    latest_before,
    scoring_input,
    smoothed_signal_ratio,
)
from services.scorer.llm_judge import JudgeItem, JudgeSource, Verdict, reconciled_score
from services.scorer.model import ContentModel, default_model
from services.scorer.read_model import (
    ContextRequest,
    ContextRow,
    fetch_context,
    fetch_overrides,
    fetch_topic_keywords,
)
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


MAX_OVERRIDES_PER_CHAT = 200  # the latest overrides of a chat that adapt its scores


class _Context(msgspec.Struct, frozen=True):
    author: str | None
    context: MessageContext


class ScoringPipeline:
    def __init__(
        self,
        thresholds: Thresholds,
        *,
        pool: asyncpg.Pool | None = None,
        judges: JudgeSource | None = None,
        model: ContentModel | bool | None = True,
        repeat_window_s: float = 7 * 86400.0,
    ) -> None:
        self.thresholds = thresholds
        self.pool = pool
        self.judges = judges
        # True: the shipped content model; None/False: rules only; or a loaded model.
        self.model = default_model() if model is True else (None if model is False else model)
        self.repeat_window_s = repeat_window_s
        self.authors = AuthorCache()
        self.clock = ChatClock()
        self.memory = ChatMemory()
        self.topics: TtlCache[frozenset[str]] = TtlCache(ttl_s=60.0)
        self.override_grams = OverrideGrams()

    async def score(self, items: Sequence[Pending]) -> list[MessageScored]:
        """One MessageScored per item, in order."""
        contexts, sent = await self._contexts(items)
        heuristic = [
            score_message(scoring_input(p.text, p.language, c.context), thresholds=self.thresholds, model=self.model)
            for p, c in zip(items, contexts, strict=True)
        ]
        for c, h in zip(contexts, heuristic, strict=True):
            if c.author:
                self.authors.count(c.author, h.classification == "signal")
        verdicts, model = await self._verdicts(items)
        return [
            self._scored(p, when, h, v, model) for p, when, h, v in zip(items, sent, heuristic, verdicts, strict=True)
        ]

    # -- context ----------------------------------------------------------------------------
    async def _contexts(self, items: Sequence[Pending]) -> tuple[list[_Context], list[datetime]]:
        rows = await self._rows(items)
        chats = sorted({p.chat_id for p in items})
        overrides, keywords = await self._chat_extras(chats)
        sent = [p.sent_at or (row and row.sent_at) or p.observed_at for p, row in zip(items, rows, strict=True)]
        previous = self._previous_in_batch(items, sent)
        contexts: list[_Context | None] = [None] * len(items)
        # In time order, so a message sees the ones sent before it in the same batch (bursts, repeats).
        for i in sorted(range(len(items)), key=lambda i: sent[i]):
            p, row = items[i], rows[i]
            author = p.author or (row.author if row else None)
            known = (previous[i], self.clock.previous(p.chat_id, sent[i]), row.previous_at if row else None)
            prev = latest_before(sent[i], *known)
            record = self.authors.get(author) if author else None
            repeats = self.memory.repeats(p.chat_id, p.key, p.text, sent[i], self.repeat_window_s)
            contexts[i] = _Context(
                author=author,
                context=MessageContext(
                    author_signal_ratio=smoothed_signal_ratio(record),
                    is_reply=p.is_reply or (row.is_reply if row else False),
                    seconds_since_previous=gap_seconds(sent[i], prev),
                    burst=self.memory.burst(p.chat_id, sent[i]),
                    repeats=max(repeats, row.repeats if row else 0),
                    topic_keywords=keywords.get(p.chat_id, frozenset()),
                    overrides=tuple(o for key, o in overrides.get(p.chat_id, ()) if key != p.key),
                ),
            )
            if p.sent_at is not None:  # edits are not new messages of the chat
                self.memory.record(p.chat_id, p.key, p.text, sent[i])
        for p, when in zip(items, sent, strict=True):
            self.clock.record(p.chat_id, when)
        return [c for c in contexts if c is not None], sent

    async def _chat_extras(
        self, chats: Sequence[str]
    ) -> tuple[dict[str, list[tuple[str, OverrideExample]]], dict[str, frozenset[str]]]:
        """Reviewer overrides (read every batch: a fresh override must count) and topic keywords (cached)."""
        if self.pool is None or not chats:
            return {}, {}
        overrides: dict[str, list[tuple[str, OverrideExample]]] = {}
        keywords: dict[str, frozenset[str]] = {}
        try:
            for row in await fetch_overrides(self.pool, chats, MAX_OVERRIDES_PER_CHAT):
                example = self.override_grams.example(row.key, row.text, row.classification)
                overrides.setdefault(row.chat_id, []).append((row.key, example))
            missing = []
            for chat in chats:
                cached = self.topics.get(chat)
                if cached is None:
                    missing.append(chat)
                else:
                    keywords[chat] = cached
            if missing:
                found = await fetch_topic_keywords(self.pool, missing)
                for chat in missing:
                    keywords[chat] = found.get(chat, frozenset())
                    self.topics.put(chat, keywords[chat])
        except Exception as exc:
            log.warning("chat_context_unavailable", error=f"{type(exc).__name__}: {exc}", chats=len(chats))
        return overrides, keywords

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
                ContextRequest(
                    key=p.key, chat_id=p.chat_id, text=p.text, sent_at=p.sent_at, author=p.author, need_author=need
                )
            )
        try:
            rows = await fetch_context(self.pool, requests, self.repeat_window_s)
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
