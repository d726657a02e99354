"""Rule-based content evidence: the hand-written uk / ru / en cues, as a content value and as model features.

The rules came first and still decide two things alone: pure noise (emoji, "ok", "дякую", greetings, bare
@mentions) is content 0, and code blocks or stack traces are hard signal.  Everything else they measure
(length, technical terms, errors, decisions, deadlines, questions…) is handed to the learned content model
as features (`RuleEvidence.features`), with the rule's own content value among them.
"""

from __future__ import annotations

import math
import re
from typing import Final

import msgspec

from services.scorer import lexicon as lx

__all__ = ["RULE_FEATURES", "ContentEvidence", "RuleEvidence", "analyse_content", "rule_evidence"]


class ContentEvidence(msgspec.Struct, frozen=True):
    value: float  # content factor in [0, 1]
    pure_noise: bool  # nothing but greetings, thanks, agreement, laughter, emoji, symbols, @mentions


class RuleEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules found in one text; `value` is their content factor."""

    value: float
    pure_noise: bool = False
    hard_signal: bool = False  # code block or stack trace
    words: int = 0
    meaningful: int = 0
    tech: int = 0
    code: bool = False
    number: bool = False
    url: bool = False
    error: bool = False
    decision: bool = False
    requirement: bool = False
    task: bool = False
    listing: bool = False
    timing: bool = False
    question: bool = False
    problem: bool = False
    broken: bool = False  # something stopped working, said as a statement («імпорт не проходить», "deploy is stuck")
    vague: bool = False
    hedge: bool = False  # "maybe", "щось", "кажется": the writer is not sure
    chatter: bool = False
    gratitude: bool = False
    mentions: int = 0

    def features(self) -> tuple[float, ...]:
        """Numeric features in the order of RULE_FEATURES."""
        return (
            self.value,
            math.log1p(self.words) / 4.0,
            math.log1p(self.meaningful) / 4.0,
            1.0 if self.words < 5 else 0.0,
            self.tech / 3.0,
            float(self.code),
            float(self.number),
            float(self.url),
            float(self.error),
            float(self.decision),
            float(self.requirement),
            float(self.task),
            float(self.listing),
            float(self.timing),
            float(self.question),
            float(self.problem),
            float(self.broken),
            float(self.vague),
            float(self.hedge),
            # A plain statement that something is broken ("CRM завис", "staging is down"): an incident report.
            float((self.problem or self.error or self.broken) and not self.hedge and not self.question),
            float(self.chatter),
            float(self.gratitude),
            min(self.mentions, 3) / 3.0,
        )


RULE_FEATURES: Final = (
    "rule_content",
    "log_words",
    "log_meaningful",
    "short",
    "tech",
    "code",
    "number",
    "url",
    "error",
    "decision",
    "requirement",
    "task",
    "listing",
    "timing",
    "question",
    "problem",
    "broken",
    "vague",
    "hedge",
    "incident",
    "chatter",
    "gratitude",
    "mentions",
)

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

_PURE_NOISE: Final = RuleEvidence(value=0.0, pure_noise=True)


def _length_base(words: int) -> float:
    # Substance grows with length but plateaus: a long message with nothing specific is still only weak.
    return min(0.65, 0.065 * words)


def _is_vague(text: str) -> bool:
    # Hedges, status, problems, confusion and pointers: says little, but about work.
    return any(p.search(text) is not None for p in _VAGUE_PATTERNS)


def rule_evidence(text: str) -> RuleEvidence:
    """Everything the rules see in a message text."""
    norm = lx.normalise(text).strip()
    mentions = 0
    if "@" in norm:
        mentions = len(lx.MENTION.findall(norm))
        norm = lx.MENTION.sub(" ", norm).strip()
    if not norm or (len(norm) < 40 and lx.STICKER.fullmatch(norm)):
        return _PURE_NOISE
    if lx.CODE_FENCE in norm or (any(h in norm for h in lx.STACK_TRACE_HINTS) and lx.STACK_TRACE.search(norm)):
        return RuleEvidence(value=_HARD_SIGNAL, hard_signal=True, code=True, words=len(lx.WORD.findall(norm)))

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
        return _PURE_NOISE

    tech = min(len(lx.TECH.findall(norm)), 3)
    number = lx.NUMBER.search(norm) is not None
    spec = float(tech)
    # Cheap character checks gate the costlier patterns.
    code = bool((not lx.CODE_CHARS.isdisjoint(norm) and lx.CODE_TOKEN.search(norm)) or lx.CODE_WORD.search(norm))
    spec += 2.0 if code else 0.0
    if number:
        spec += 1.0 if lx.NUMBER_WITH_UNIT.search(norm) else 0.5
    spec += 1.0 if has_url and words > 1 else 0.0
    error = lx.ERROR.search(norm) is not None
    # An error with a technical subject ("сервер упал", "DB is down") is an incident report.
    spec += (2.0 if tech and not lx.HEDGE.search(plain) else 1.0) if error else 0.0
    decision = lx.DECISION.search(norm) is not None
    requirement = lx.REQUIREMENT.search(norm) is not None
    task = lx.TASK.search(norm) is not None
    listing = lx.LIST_OR_LABEL.search(norm) is not None
    spec += 1.5 * decision + requirement + task + listing
    timing = bool(lx.DEADLINE.search(norm) or (number and lx.DATE_OR_TIME.search(norm)))
    spec += timing
    question = "?" in norm and (
        words >= 3 or (words == 2 and meaningful >= 2 and lx.QUESTION_WORD.search(plain) is not None)
    )
    # A concrete question about a technical thing, or a problem described at length, is specific.
    spec += 1.0 if question and tech > 0 else 0.0
    problem = lx.PROBLEM.search(plain) is not None
    broken = lx.BROKEN.search(plain) is not None
    spec += 1.0 if words >= 6 and problem else 0.0

    vague = _is_vague(plain)
    hedge = vague and lx.HEDGE.search(plain) is not None
    content = _length_base(words) + _SPEC_STEP * min(spec, _SPEC_CAP)
    if words <= 3:  # longer messages are already above the weak floor on length alone
        if spec > 0 or has_url or question or vague:
            content = max(content, _WEAK_FLOOR)
        else:
            content = min(content, _NOISE_CONTENT)
    # Lunch plans and moods are chatter even when they mention a time.
    chatter = lx.CHATTER.search(plain) is not None
    if spec - timing - (0.5 if number else 0.0) <= 0 and chatter:
        content = min(content, _NOISE_CONTENT)
    # A one-sentence "thanks for the fix" acknowledges work rather than carrying it.
    gratitude = bool(lx.GRATITUDE_LEAD.match(norm) and not code and not _SENTENCE_BREAK.search(norm.rstrip(" !.)")))
    if gratitude:
        content = min(content, _NOISE_CONTENT)
    if words < 5:
        content = min(content, _SHORT_CAP)
    return RuleEvidence(
        value=min(1.0, content),
        words=words,
        meaningful=meaningful,
        tech=tech,
        code=code,
        number=number,
        url=has_url,
        error=error,
        decision=decision,
        requirement=requirement,
        task=task,
        listing=listing,
        timing=timing,
        question=question,
        problem=problem,
        broken=broken,
        vague=vague,
        hedge=hedge,
        chatter=chatter,
        gratitude=gratitude,
        mentions=mentions,
    )


def analyse_content(text: str) -> ContentEvidence:
    """The rules' content factor of a message text, and whether it is pure noise."""
    evidence = rule_evidence(text)
    return ContentEvidence(evidence.value, evidence.pure_noise)
