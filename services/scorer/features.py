"""Text representation for the learned content model and for override similarity: character n-grams.

Character n-grams of each word (padded with spaces, as scikit-learn's ``char_wb``) need no tokeniser,
stemmer or vocabulary per language: "завис", "зависла" and "зависло" share " зав", "зави", "авис", so
inflected Ukrainian and Russian and English all work with one representation.  Pure Python and set-based,
so scoring one message costs a few microseconds per word.  The content model sums n-gram weights word by word
(a bag of n-grams scaled by 1/sqrt of their number), so a word's contribution is computed once and cached;
override similarity uses the set of a message's n-grams (`text_grams`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Final

from services.scorer import lexicon as lx

__all__ = ["NGRAM_SIZES", "cosine", "model_text", "repeat_key", "text_grams", "text_words", "word_grams"]

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


@lru_cache(maxsize=100_000)
def word_grams(word: str) -> tuple[str, ...]:
    """A word's n-grams and the word itself; cached, since chat vocabulary repeats (Zipf) and this is the hot path."""
    padded = f" {word} "
    size = len(padded)
    return (WORD_PREFIX + word, *(padded[i : i + n] for n in NGRAM_SIZES for i in range(size - n + 1)))


def text_words(text: str) -> list[str]:
    """The words the model sees, in order (a message's n-grams are those of its words)."""
    return lx.WORD.findall(model_text(text))


def text_grams(text: str) -> frozenset[str]:
    """The set of word n-grams and whole words of a text (empty for emoji or punctuation only)."""
    grams: set[str] = set()
    update = grams.update
    for word in text_words(text):
        update(word_grams(word))
    return frozenset(grams)


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine similarity of two binary n-gram sets, in [0, 1]."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / math.sqrt(len(a) * len(b))
