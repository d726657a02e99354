"""Pure importance scoring: message text plus light context in, score and classification out.

The score is a weighted sum of four factors (content, author, temporal, topic), then capped by a ceiling
that depends on content alone.  The cap is what makes the noise guarantee hold: context can lower a
message's score but can never lift empty content (an emoji, "ok", "дякую") out of the noise band.
"""

from __future__ import annotations

import math
import re
from typing import Final, Literal

import msgspec

from services.scorer import lexicon as lx

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


class ContentEvidence(msgspec.Struct, frozen=True):
    value: float  # content factor in [0, 1]
    pure_noise: bool  # nothing but greetings, thanks, agreement, laughter, emoji, symbols


DEFAULT_WEIGHTS: Final = ScoringWeights()
DEFAULT_THRESHOLDS: Final = Thresholds()

# Content ceiling: a line through (0, PURE_NOISE_CEILING) that reaches 0.30 at content 0.15, so content
# below 0.15 is noise whatever the context, and pure noise (content 0) is capped far below any sane threshold.
PURE_NOISE_CEILING: Final = 0.05
_CEILING_SLOPE: Final = (0.30 - PURE_NOISE_CEILING) / 0.15

# Content bands (with neutral context the score is 0.3 + 0.4 * content, so signal needs content > 0.75).
_NOISE_CONTENT: Final = 0.08  # says something, but nothing about work
_WEAK_FLOOR: Final = 0.24  # vague but work-related: a status, a hunch, a bare link
_SHORT_CAP: Final = 0.70  # under five words stays weak unless it is a code block or stack trace
_HARD_SIGNAL: Final = 0.92  # code blocks and stack traces

# Each piece of specific evidence adds this much content; capped so length still matters.
_SPEC_STEP: Final = 0.1
_SPEC_CAP: Final = 6.0

_SENTENCE_BREAK: Final = re.compile(r"[.!?;:\n]")
_MAX_NOISE_SEGMENT: Final = 60
_MAX_NOISE_WORDS: Final = 7
_VAGUE_PATTERNS: Final = (lx.HEDGE, lx.STATUS, lx.PROBLEM, lx.CONFUSION, lx.POINTER)


def _length_base(words: int) -> float:
    # Substance grows with length but plateaus: a long message with nothing specific is still only weak.
    return min(0.65, 0.065 * words)


def _is_vague(text: str) -> bool:
    # Hedges, status, problems, confusion and pointers: says little, but about work.
    return any(p.search(text) is not None for p in _VAGUE_PATTERNS)


def analyse_content(text: str) -> ContentEvidence:
    """Content factor of a message text, and whether it is pure noise."""
    norm = lx.normalise(text).strip()
    if not norm or (len(norm) < 40 and lx.STICKER.fullmatch(norm)):
        return ContentEvidence(0.0, True)
    if lx.CODE_FENCE in norm or (any(h in norm for h in lx.STACK_TRACE_HINTS) and lx.STACK_TRACE.search(norm)):
        return ContentEvidence(_HARD_SIGNAL, False)

    # Collapse URLs to one word so "https://github.com/org/repo" is not six words of substance.
    has_url = lx.URL.search(norm) is not None
    plain = lx.URL.sub(" url ", norm) if has_url else norm
    words = 0
    meaningful = 0
    for segment in lx.SEGMENT_SPLIT.split(plain.lower()):
        segment = segment.strip(" '-\t\n")
        if not segment:
            continue
        # Noise phrases are short; skipping the big alternation for long segments keeps scoring fast.
        if (
            len(segment) <= _MAX_NOISE_SEGMENT
            and segment.count(" ") < _MAX_NOISE_WORDS
            and lx.NOISE_SEGMENT.fullmatch(segment)
        ):
            continue
        for token in lx.WORD.findall(segment):
            words += 1
            if token not in lx.STOP_WORDS:
                meaningful += 1
    if words == 0:
        return ContentEvidence(0.0, True)

    tech = min(len(lx.TECH.findall(norm)), 3)
    number = lx.NUMBER.search(norm) is not None
    spec = float(tech)
    # Cheap character checks gate the costlier patterns.
    code = (not lx.CODE_CHARS.isdisjoint(norm) and lx.CODE_TOKEN.search(norm)) or lx.CODE_WORD.search(norm)
    spec += 2.0 if code else 0.0
    if number:
        spec += 1.0 if lx.NUMBER_WITH_UNIT.search(norm) else 0.5
    spec += 1.0 if has_url and words > 1 else 0.0
    error = lx.ERROR.search(norm) is not None
    # An error with a technical subject ("сервер упал", "DB is down") is an incident report.
    spec += (2.0 if tech and not lx.HEDGE.search(plain) else 1.0) if error else 0.0
    spec += 1.5 if lx.DECISION.search(norm) else 0.0
    spec += 1.0 if lx.REQUIREMENT.search(norm) else 0.0
    spec += 1.0 if lx.TASK.search(norm) else 0.0
    spec += 1.0 if lx.LIST_OR_LABEL.search(norm) else 0.0
    timing = 1.0 if (lx.DEADLINE.search(norm) or (number and lx.DATE_OR_TIME.search(norm))) else 0.0
    spec += timing
    question = "?" in norm and (
        words >= 3 or (words == 2 and meaningful >= 2 and lx.QUESTION_WORD.search(plain) is not None)
    )
    # A concrete question about a technical thing, or a problem described at length, is specific.
    spec += 1.0 if question and tech > 0 else 0.0
    spec += 1.0 if words >= 6 and lx.PROBLEM.search(plain) else 0.0

    content = _length_base(words) + _SPEC_STEP * min(spec, _SPEC_CAP)
    if words <= 3:  # longer messages are already above the weak floor on length alone
        if spec > 0 or has_url or question or _is_vague(plain):
            content = max(content, _WEAK_FLOOR)
        else:
            content = min(content, _NOISE_CONTENT)
    # Lunch plans and moods are chatter even when they mention a time.
    if spec - timing - (0.5 if number else 0.0) <= 0 and lx.CHATTER.search(plain):
        content = min(content, _NOISE_CONTENT)
    # A one-sentence "thanks for the fix" acknowledges work rather than carrying it.
    if lx.GRATITUDE_LEAD.match(norm) and not code and not _SENTENCE_BREAK.search(norm.rstrip(" !.)")):
        content = min(content, _NOISE_CONTENT)
    if words < 5:
        content = min(content, _SHORT_CAP)
    return ContentEvidence(min(1.0, content), False)


def content_ceiling(content: float) -> float:
    """Highest score a message with this content factor may get, whatever its context."""
    return min(1.0, PURE_NOISE_CEILING + _CEILING_SLOPE * content)


def _author_factor(ratio: float | None) -> float:
    return NEUTRAL if ratio is None or math.isnan(ratio) else min(1.0, max(0.0, ratio))


def _temporal_factor(is_reply: bool, gap: float | None) -> float:
    value = NEUTRAL + (0.2 if is_reply else 0.0)  # a reply continues a thread someone cared about
    if gap is not None and not math.isnan(gap):
        if gap < 5:
            value -= 0.15  # rapid-fire bursts are mostly reactions
        elif gap < 30:
            value -= 0.05
        elif gap > 3600:
            value += 0.1  # first message after a long silence often opens a new subject
    return min(1.0, max(0.0, value))


def _topic_factor(text: str, keywords: frozenset[str]) -> float:
    if not keywords:
        return NEUTRAL
    norm_lower = lx.normalise(text).lower()
    tokens = set(lx.WORD.findall(norm_lower))
    hits = 0
    for keyword in keywords:
        kw = keyword.lower().strip()
        if kw and (kw in tokens or (" " in kw and kw in norm_lower)):
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
) -> Score:
    """Score one message; pure noise always lands below ``thresholds.noise``."""
    evidence = analyse_content(inp.text)
    content = evidence.value
    author = _author_factor(inp.author_signal_ratio)
    temporal = _temporal_factor(inp.is_reply, inp.seconds_since_previous)
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
