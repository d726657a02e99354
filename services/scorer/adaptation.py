"""Per-chat adaptation: a reviewer's override moves later scores of similar messages in the same chat.

A person who marks «хтось бачив мій зарядник?» as noise, or «CRM завис» as signal, says what this team
means by signal.  The nearest overridden message of the chat (by character n-gram cosine) pulls the content
factor toward the overridden class, the more the closer it is; far-away overrides change nothing.  Pure
functions: the pipeline reads the overrides from the read model, `tracker eval scoring --overrides`
replays them from a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from services.scorer.features import cosine

__all__ = ["FULL_PULL_SIMILARITY", "MIN_SIMILARITY", "TARGET_CONTENT", "OverrideExample", "pulled_content"]

# Below MIN_SIMILARITY two texts share little more than common letter sequences of the language (unrelated
# messages measure 0.05–0.25); from FULL_PULL_SIMILARITY on they are the same message with small edits.
MIN_SIMILARITY: Final = 0.35
FULL_PULL_SIMILARITY: Final = 0.75
# Content each class is pulled toward: well inside its band at neutral context.
TARGET_CONTENT: Final = {"noise": 0.05, "weak_signal": 0.45, "signal": 0.9}


class OverrideExample(msgspec.Struct, frozen=True):
    """One overridden message of a chat: its n-grams and the class a person gave it."""

    grams: frozenset[str]
    label: str  # signal | weak_signal | noise


def pulled_content(content: float, grams: frozenset[str], examples: Sequence[OverrideExample]) -> float:
    """Content moved toward the class of the nearest override, in proportion to how near it is."""
    best, label = 0.0, None
    for example in examples:
        similarity = cosine(grams, example.grams)
        if similarity > best:
            best, label = similarity, example.label
    if label is None or best < MIN_SIMILARITY:
        return content
    pull = min(1.0, (best - MIN_SIMILARITY) / (FULL_PULL_SIMILARITY - MIN_SIMILARITY))
    return content + pull * (TARGET_CONTENT[label] - content)
