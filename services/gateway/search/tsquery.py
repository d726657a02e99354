"""A search box's text → a PostgreSQL tsquery over lemmas (what migration 0010 indexes).

Supports the websearch syntax people type: "a quoted phrase", -excluded words, `or`. Every word stands for
the group of its candidate lemmas and its own form (rows not yet lemmatised hold raw words). Words are
joined with OR by default and ranked by how many of them match: a chat message rarely holds every word of a
question, and AND made everyday queries find nothing. Function words («з», «the», «что») are left out when
the query has other words. The output only contains quoted lexemes and operators, so it cannot be malformed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from shared.text.lemmas import is_function_word, lemmas, words

Join = Literal["any", "all"]
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "").replace("'", "''") + "'"


def _group(word: str, alternatives: Sequence[str] = ()) -> str:
    options = dict.fromkeys((*lemmas(word), word, *alternatives))
    inner = " | ".join(_lexeme(option) for option in options)
    return f"({inner})" if len(options) > 1 else inner


def build(query: str, join: Join = "any", alternatives: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The tsquery text for to_tsquery('simple', …), or None when the query holds no searchable word.
    `alternatives`: more lexemes a word (lower-case, as `words` gives it) may match as (its translations)."""
    extra = alternatives or {}
    positive: list[tuple[str, bool]] = []  # (term, made of function words only)
    negative: list[str] = []
    pending_or = False
    for match in _PART.finditer(query):
        excluded, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            pending_or = True
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            excluded, bare = "-", bare[1:]
        found = words(phrase if phrase is not None else bare or "")
        if not found:
            continue
        if phrase is not None and len(found) > 1:
            terms = [("(" + " <-> ".join(_group(w) for w in found) + ")", False)]
        else:
            terms = [(_group(w, () if excluded else extra.get(w, ())), is_function_word(w)) for w in found]
        if excluded:
            negative.extend(f"!{term}" for term, _ in terms)
        elif pending_or and positive:
            (last, last_function), (first, first_function) = positive[-1], terms[0]
            positive[-1] = (f"({last} | {first})", last_function and first_function)
            positive.extend(terms[1:])
        else:
            positive.extend(terms)
        pending_or = False
    content = [term for term, function in positive if not function] or [term for term, _ in positive]
    if not content:
        return None
    joined = (" | " if join == "any" else " & ").join(content)
    return f"({joined}) & " + " & ".join(negative) if negative else joined


def filter_query(query: str) -> str:
    """A list filter's `q` (messages, atoms, topics): every word must match, as websearch_to_tsquery did;
    a query without words matches nothing: the empty tsquery ('' as text; the quoted empty lexeme "''" is a
    tsquery syntax error, a 500 for `q=~`)."""
    return build(query, join="all") or ""
