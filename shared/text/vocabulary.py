"""The words a chat's vocabulary is made of: what the embedder embeds one by one (search_terms) and what a query
word is looked up as, so both sides agree (services/gateway/search/translations.py)."""

from __future__ import annotations

import re

from shared.text.lemmas import is_function_word, lemmas, words

MIN_LETTERS = 3  # shorter words are abbreviations and particles whose vectors say little
_TOKEN = re.compile(r"[^\W_]+")


def is_latin(term: str) -> bool:
    """The term's script: Latin, or else Cyrillic (Ukrainian and Russian; terms are letters only)."""
    return term.isascii()


def vocabulary_term(word: str) -> str | None:
    """The form a word is stored and looked up under (its most likely lemma), or None for words that are not
    vocabulary: function words, numbers, identifiers with digits, very short words."""
    if len(word) < MIN_LETTERS or not word.isalpha() or is_function_word(word):
        return None
    term = lemmas(word)[0]
    return term if len(term) >= MIN_LETTERS and term.isalpha() else None


def _identifiers(text: str) -> set[str]:
    """Words written with a capital inside (InvalidProviderToken, HikariPool, HNSW): names and acronyms, which
    mean nothing in another language but sit near many words by their letters."""
    return {token.lower() for token in _TOKEN.findall(text) if any(c.isupper() for c in token[1:])}


def text_terms(text: str) -> list[str]:
    """The vocabulary terms of a text, each once, in order; identifiers and acronyms left out."""
    skip = _identifiers(text)
    return list(dict.fromkeys(t for w in words(text) if w not in skip and (t := vocabulary_term(w)) is not None))
