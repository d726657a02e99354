"""The prefilter of an analysis run (SPEC §4): signal and weak signal only, at least 10 characters, and with a
project, only messages that mention one of its keywords (or a component's)."""

from __future__ import annotations

from collections.abc import Sequence

from services.extractor.analysis.drafts import ProjectContext
from services.extractor.model import SourceMessage
from services.scorer import lexicon as lx

MIN_CHARS = 10
KEPT_CLASSES = frozenset({"signal", "weak_signal"})


def project_terms(project: ProjectContext | None) -> list[str]:
    """The project's keywords and its components' keywords, case-folded (matched as word prefixes)."""
    if project is None:
        return []
    words = list(project.keywords)
    for component in project.components:
        words.extend(str(k) for k in component.get("keywords", []) or [])  # type: ignore[union-attr]
    return sorted({lx.normalise(w).casefold().strip() for w in words if w.strip()})


def mentions(text: str, terms: Sequence[str]) -> list[str]:
    """The terms a text mentions: a term matches at the start of a word, so "оплат" finds "оплата", "оплати"."""
    folded = lx.normalise(text).casefold()
    found = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            if start == 0 or not (folded[start - 1].isalnum() or folded[start - 1] in "_'"):
                found.append(term)
                break
            start = folded.find(term, start + 1)
    return found


def prefilter(messages: Sequence[SourceMessage], project: ProjectContext | None = None) -> list[SourceMessage]:
    terms = project_terms(project)
    kept = [m for m in messages if m.classification in KEPT_CLASSES and len(m.text.strip()) >= MIN_CHARS]
    if terms:
        kept = [m for m in kept if mentions(m.text, terms)]
    return kept
