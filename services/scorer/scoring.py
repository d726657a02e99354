"""Pure importance scoring: message text plus light context in, score and classification out.

The score is a weighted sum of four factors (content, author, temporal, topic), then capped by a ceiling
that depends on content alone.  The cap is what makes the noise guarantee hold: context can lower a
message's score but can never lift empty content (an emoji, "ok", "дякую") out of the noise band.

Content comes from the learned model (`model.py`) over the rules' evidence (`rules.py`) and the text's
character n-grams; without a model artefact the rules alone give it.  Two chat-level corrections follow:
a text already said in the chat carries less (repeats), and reviewers' overrides of similar messages in
the chat pull it toward their class (`adaptation.py`).  Pure noise is content 0 before and after both.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import msgspec

from services.scorer import lexicon as lx
from services.scorer.adaptation import OverrideExample, pulled_content
from services.scorer.features import text_grams
from services.scorer.model import ContentModel, default_model
from services.scorer.rules import ContentEvidence, analyse_content, rule_evidence

Classification = Literal["signal", "weak_signal", "noise"]

__all__ = [
    "NEUTRAL",
    "Classification",
    "ContentEvidence",
    "Score",
    "ScoringInput",
    "ScoringWeights",
    "Thresholds",
    "analyse_content",
    "classify",
    "content_ceiling",
    "content_factor",
    "score_message",
]

NEUTRAL: Final = 0.5  # a context factor we know nothing about neither helps nor hurts


class ScoringInput(msgspec.Struct, frozen=True, kw_only=True):
    """One message and what is known about its context."""

    text: str
    language: str | None = None
    author_signal_ratio: float | None = None  # share of the author's past messages that were signal
    is_reply: bool = False
    seconds_since_previous: float | None = None  # gap to the previous message in the same chat
    topic_keywords: frozenset[str] = frozenset()
    burst: int = 0  # messages in the same chat during the minute before this one
    repeats: int = 0  # earlier messages in the same chat with the same text (recent window)
    overrides: tuple[OverrideExample, ...] = ()  # reviewers' overrides in the same chat


class Score(msgspec.Struct, frozen=True, kw_only=True):
    score: float
    classification: Classification
    factors: dict[str, float]


class ScoringWeights(msgspec.Struct, frozen=True, kw_only=True):
    content: float = 0.4
    author: float = 0.2
    temporal: float = 0.2
    topic: float = 0.2

    def __post_init__(self) -> None:
        parts = (self.content, self.author, self.temporal, self.topic)
        if any(p < 0 for p in parts) or not math.isclose(sum(parts), 1.0, abs_tol=1e-9):
            raise ValueError(f"scoring weights must be non-negative and sum to 1, got {parts}")


class Thresholds(msgspec.Struct, frozen=True, kw_only=True):
    noise: float = 0.30
    signal: float = 0.60

    def __post_init__(self) -> None:
        if not 0.0 < self.noise <= self.signal < 1.0:
            raise ValueError(f"need 0 < noise <= signal < 1, got {self.noise}/{self.signal}")


DEFAULT_WEIGHTS: Final = ScoringWeights()
DEFAULT_THRESHOLDS: Final = Thresholds()

# A repeated text keeps this share of its content per repeat: said once it is news, said again it is chatter.
REPEAT_KEEP: Final = 0.4

# Content ceiling: a line through (0, PURE_NOISE_CEILING) that reaches 0.30 at content 0.15, so content
# below 0.15 is noise whatever the context, and pure noise (content 0) is capped far below any sane threshold.
PURE_NOISE_CEILING: Final = 0.05
_CEILING_SLOPE: Final = (0.30 - PURE_NOISE_CEILING) / 0.15
_HARD_SIGNAL: Final = 0.92  # code blocks and stack traces stay signal whatever the model says


def content_factor(
    text: str,
    model: ContentModel | None,
    *,
    repeats: int = 0,
    overrides: tuple[OverrideExample, ...] = (),
) -> ContentEvidence:
    """Content of a text: the model over the rules' evidence, discounted for repeats, pulled by overrides."""
    evidence = rule_evidence(text)
    if evidence.pure_noise:
        return ContentEvidence(0.0, True)
    content = evidence.value if model is None else model.content(text, evidence)
    if evidence.hard_signal:
        content = max(content, _HARD_SIGNAL)
    if repeats > 0:
        content *= REPEAT_KEEP ** min(repeats, 5)
    if overrides:
        content = pulled_content(content, text_grams(text), overrides)
    return ContentEvidence(min(1.0, max(0.0, content)), False)


def content_ceiling(content: float) -> float:
    """Highest score a message with this content factor may get, whatever its context."""
    return min(1.0, PURE_NOISE_CEILING + _CEILING_SLOPE * content)


def _author_factor(ratio: float | None) -> float:
    return NEUTRAL if ratio is None or math.isnan(ratio) else min(1.0, max(0.0, ratio))


def _temporal_factor(is_reply: bool, gap: float | None, burst: int = 0) -> float:
    value = NEUTRAL + (0.2 if is_reply else 0.0)  # a reply continues a thread someone cared about
    if gap is not None and not math.isnan(gap):
        # Log-scale around two minutes: rapid-fire reactions (seconds) lose up to 0.1, the first message
        # after a long silence (hours) often opens a new subject and gains up to 0.1.
        value += 0.1 * max(-1.0, min(1.0, math.log10(max(gap, 0.1) / 120.0) / 1.5))
    if burst > 0:
        value -= 0.03 * min(burst, 5)  # a burst of messages in one minute is mostly back-and-forth chatter
    return round(min(1.0, max(0.0, value)), 4)


def _keyword_stem(keyword: str) -> str | None:
    # Single words of five letters or more match by stem, so "міграція" finds "міграції" and "деплой"
    # "деплою"; shorter ones and phrases match whole (never "ok" inside "book").
    if " " in keyword or len(keyword) < 5:
        return None
    return keyword[: max(4, len(keyword) - 2)]


def _topic_factor(text: str, keywords: frozenset[str]) -> float:
    if not keywords:
        return NEUTRAL
    norm_lower = lx.normalise(text).lower()
    tokens = set(lx.WORD.findall(norm_lower))
    hits = 0
    for keyword in keywords:
        kw = lx.normalise(keyword).lower().strip()
        if not kw:
            continue
        stem = _keyword_stem(kw)
        if kw in tokens or (" " in kw and kw in norm_lower) or (stem and any(t.startswith(stem) for t in tokens)):
            hits += 1
    return 0.3 if hits == 0 else min(0.9, 0.6 + 0.1 * hits)


def classify(score: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Classification:
    """Label a score: below noise → noise, above signal → signal, otherwise weak_signal."""
    if score < thresholds.noise:
        return "noise"
    if score > thresholds.signal:
        return "signal"
    return "weak_signal"


def score_message(
    inp: ScoringInput,
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    model: ContentModel | bool | None = True,
) -> Score:
    """Score one message; pure noise always lands below ``thresholds.noise``.

    ``model``: True for the shipped content model, False for the rules alone, or a loaded model.
    """
    content_model = default_model() if model is True else (None if model is False else model)
    evidence = content_factor(inp.text, content_model, repeats=inp.repeats, overrides=inp.overrides)
    content = evidence.value
    author = _author_factor(inp.author_signal_ratio)
    temporal = _temporal_factor(inp.is_reply, inp.seconds_since_previous, inp.burst)
    topic = _topic_factor(inp.text, inp.topic_keywords)
    total = weights.content * content + weights.author * author + weights.temporal * temporal + weights.topic * topic
    score = min(total, content_ceiling(content))
    if evidence.pure_noise:
        # The ceiling already does this at default thresholds; this keeps it true for any configured ones.
        score = min(score, PURE_NOISE_CEILING, thresholds.noise / 2)
    score = round(min(1.0, max(0.0, score)), 4)
    return Score(
        score=score,
        classification=classify(score, thresholds),
        factors={"content": round(content, 4), "author": author, "temporal": temporal, "topic": topic},
    )
