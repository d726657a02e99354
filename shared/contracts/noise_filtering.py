"""Topic `noise_filtering`: importance scores and manual overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from shared.contracts.common import Classification
from shared.contracts.envelope import EventData


class ScoreFactors(EventData, frozen=True, kw_only=True):
    content: float
    author: float
    temporal: float
    topic: float


class JudgeFactors(EventData, frozen=True, kw_only=True):
    """The LLM judge's own breakdown, each in [0, 1]; only on events with scorer == "llm"."""

    knowledge_value: float
    actionability: float
    urgency: float


class MessageScored(EventData, frozen=True, kw_only=True):
    """Carries the text and chat so downstream stages (embedder, extractor) need no look-up."""

    key: str
    chat_id: str
    text: str
    sent_at: datetime
    score: float
    classification: Classification
    factors: ScoreFactors
    scorer: Literal["heuristic", "llm"] = "heuristic"
    model: str | None = None
    reasoning: str | None = None
    judge_factors: JudgeFactors | None = None


class BatchScored(EventData, frozen=True, kw_only=True):
    found: int
    scored: int
    failed: int


class ClassificationOverridden(EventData, frozen=True, kw_only=True):
    key: str
    classification: Classification
    overridden_by: str
    reason: str | None = None
    overridden_at: datetime
