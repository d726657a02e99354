"""Text representation for the learned content model and for override similarity: character n-grams.

Character n-grams of each word (padded with spaces, as scikit-learn's ``char_wb``) need no tokeniser,
stemmer or vocabulary per language: "завис", "зависла" and "зависло" share " зав", "зави", "авис", so
inflected Ukrainian and Russian and English all work with one representation.  Pure Python and set-based,
so scoring one message costs a few microseconds per word.
"""

from __future__ import annotations

import math
from typing import Final

from services.scorer import lexicon as lx

__all__ = ["NGRAM_SIZES", "cosine", "model_text", "repeat_key", "text_grams"]

NGRAM_SIZES: Final = (3, 4)
WORD_PREFIX: Final = "w:"  # whole words are features too, marked so they never collide with an n-gram
_DIGITS: Final = str.maketrans("0123456789", "0000000000")


def model_text(text: str) -> str:
    """Lower-cased text with URLs, @mentions and digits folded, so "v1.24" and "v2.31" look alike."""
    norm = lx.normalise(text).lower()
    if "http" in norm or "www." in norm:
        norm = lx.URL.sub(" urltoken ", norm)
    if "@" in norm:
        norm = lx.MENTION.sub(" @mention ", norm)
    return norm.translate(_DIGITS)


def repeat_key(text: str) -> str:
    """What makes two messages "the same text": case, spacing and trailing punctuation aside."""
    return " ".join(lx.normalise(text).lower().split()).strip(" .!?,;:)")


def text_grams(text: str) -> frozenset[str]:
    """The set of word n-grams and whole words of a text (empty for emoji or punctuation only)."""
    grams: set[str] = set()
    add = grams.add
    for word in lx.WORD.findall(model_text(text)):
        add(WORD_PREFIX + word)
        padded = f" {word} "
        size = len(padded)
        for n in NGRAM_SIZES:
            for i in range(size - n + 1):
                add(padded[i : i + n])
    return frozenset(grams)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine similarity of two binary n-gram sets, in [0, 1]."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / math.sqrt(len(a) * len(b))
