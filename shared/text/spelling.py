"""How a word sounds in Latin letters, so a loanword meets its source across scripts: «індекс» and "index" are
both `indeks`, «ембединг» and "embedding" both `embeding`, «банер» and "banner" both `baner`.

Chat Ukrainian and Russian borrow most technical words from English and spell them by sound; the key below
transliterates Cyrillic the way loanwords are borrowed (г → g, и → i) and spells English closer to its sound
(c → k or s, x → ks, doubled letters once), which is enough for equal keys or a shared stem. It is a matching
key, not a transliteration for people to read.
"""

from __future__ import annotations

import re

_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "sch", "ь": "", "ъ": "", "ы": "i", "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip
_ENGLISH = (
    (re.compile(r"ck"), "k"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(?<=[a-z])y"), "i"),
    (re.compile(r"e$"), ""),  # the silent final e: "cache", "release", "update"
)
_DOUBLED = re.compile(r"(.)\1+")
STEM = 5  # letters two keys must share at the start to be compared at all


def sound_key(word: str) -> str:
    """The Latin matching key of one lower-case word (either script)."""
    if word.isascii():
        key = word
        for pattern, replacement in _ENGLISH:
            key = pattern.sub(replacement, key)
    else:
        key = word.translate(_CYRILLIC)
    return _DOUBLED.sub(r"\1", key)


def _bigrams(key: str) -> list[str]:
    return [key[i : i + 2] for i in range(len(key) - 1)]


def likeness(a: str, b: str) -> float:
    """Dice coefficient of the two keys' letter pairs: 1 for equal keys, 0 for nothing shared."""
    first, second = _bigrams(a), _bigrams(b)
    if not first or not second:
        return float(a == b)
    remaining = list(second)
    shared = 0
    for pair in first:
        if pair in remaining:
            remaining.remove(pair)
            shared += 1
    return 2 * shared / (len(first) + len(second))
