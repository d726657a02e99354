"""A Ukrainian–English dictionary of single words, both ways, for matching a query word to its translation.

The words come from the lexicon that the `dormouse-ua` package maintains and ships (about 30,000 Ukrainian
headwords from the MUSE bilingual dictionaries, OPUS software localisations and IT slang: «кеш» → cache,
«пакетний» → batch, «рішення» → decision). It is read once per process, straight from the package's data file
(the package's own code is not imported: it pulls in LLM clients the search never uses).

A prefixed verb the dictionary lacks is looked up without its prefix («задокументувати» → «документувати»).
There is no Russian side. A Russian word reaches the dictionary through its Ukrainian spelling: the regular
correspondences of the two languages' word endings (-ирование / -ування, -ение / -ення, -ость / -ість) and
their letters (shared/text/spelling.py keys both alike), so «масштабирование» finds «масштабування».
"""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from shared.logging import get_logger
from shared.text.lemmas import lemmas, words
from shared.text.spelling import sound_key
from shared.text.vocabulary import is_latin, vocabulary_term

log = get_logger(__name__)

MAX_ENGLISH_WORDS = 2  # a headword translated as a phrase ("lock down") keeps its words; longer ones are glosses
# Russian word endings → their Ukrainian counterparts, longest first (applied once, at the end of the lemma).
RUSSIAN_ENDINGS = (
    ("ирование", "ування"),
    ("ование", "ування"),
    ("ение", "ення"),
    ("ание", "ання"),
    ("ость", "ість"),
    ("ция", "ція"),
    ("ия", "ія"),
    ("ать", "ати"),
    ("ить", "ити"),
    ("еть", "іти"),
    ("ный", "ний"),
    ("ий", "ій"),
    ("ой", "ий"),
)
# Perfective and directional verb prefixes of Ukrainian and Russian, longest first: «пофіксити» is «фіксити» done.
PREFIXES = ("пере", "роз", "раз", "від", "при", "про", "от", "за", "по", "на", "ви", "вы", "до", "з", "с", "у")
MIN_STEM = 5


@dataclass
class Dictionary:
    english: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # uk term → en terms
    ukrainian: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # en term → uk terms
    by_sound: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # sound key → uk terms

    def add(self, headword: str, translation: str) -> None:
        """One lexicon entry, under the Ukrainian word's vocabulary term (its lemma); entries that are not a
        single Ukrainian word and a short English phrase are left out."""
        uk = words(headword)
        en = [t for w in words(translation) if (t := vocabulary_term(w)) is not None and t.isascii()]
        if len(uk) != 1 or is_latin(uk[0]) or not 0 < len(en) <= MAX_ENGLISH_WORDS:
            return
        term = vocabulary_term(uk[0])
        if term is None:
            return
        for english in en:
            if english not in self.english[term]:
                self.english[term].append(english)
            if term not in self.ukrainian[english]:
                self.ukrainian[english].append(term)
        if term not in self.by_sound[sound_key(term)]:
            self.by_sound[sound_key(term)].append(term)

    def translations(self, word: str) -> list[str]:
        """The other language's words for one lower-case word as typed, best known first (English → Ukrainian;
        Ukrainian → English; Russian → its Ukrainian spelling and English); [] when the dictionary lacks it."""
        if is_latin(word):
            return list(dict.fromkeys(uk for lemma in lemmas(word) for uk in self.ukrainian.get(lemma, ())))
        forms = self.known_forms(word)
        spelled = [] if forms else self.respelled(word)  # a Russian word's Ukrainian spelling is a translation too
        return list(dict.fromkeys([*spelled, *(en for uk in forms or spelled for en in self.english.get(uk, ()))]))

    def known_forms(self, word: str) -> list[str]:
        """The dictionary's words a Cyrillic word is: its lemmas; when it knows none of them, the same without a
        verb prefix («задокументувати» → «документувати»; never «перевірити» → «вірити», which it knows)."""
        known = [lemma for lemma in lemmas(word) if lemma in self.english]
        if known:
            return known
        stems = dict.fromkeys(stem for lemma in lemmas(word) for stem in without_prefix(lemma))
        return [stem for stem in stems if stem in self.english]

    def respelled(self, word: str) -> list[str]:
        """The Ukrainian words spelled like a (Russian) word once its ending is turned Ukrainian."""
        found: list[str] = []
        for lemma in lemmas(word):
            for spelling in (lemma, ukrainian_ending(lemma)):
                found.extend(uk for uk in self.by_sound.get(sound_key(spelling), ()) if uk not in found)
        return found


def without_prefix(word: str) -> list[str]:
    """The word without the longest verb prefix it starts with, where enough is left to still be a word."""
    stems = [word[len(p) :] for p in PREFIXES if word.startswith(p) and len(word) - len(p) >= MIN_STEM]
    return stems[:1]


def ukrainian_ending(word: str) -> str:
    """A Russian word with its ending turned Ukrainian («масштабирование» → «масштабування»); else the word."""
    for russian, ukrainian in RUSSIAN_ENDINGS:
        if word.endswith(russian):
            return word[: -len(russian)] + ukrainian
    return word


def lexicon_path() -> Path | None:
    """The dormouse-ua package's lexicon file, found without importing the package."""
    spec = importlib.util.find_spec("dormouse")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "lexicon.db"
    return path if path.is_file() else None


def load(path: Path) -> Dictionary:
    """Every entry of a lexicon file (dormouse-ua's layout: table lexicon, columns word and en_compressed)."""
    dictionary = Dictionary()
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        for headword, translation in conn.execute(
            "SELECT word, en_compressed FROM lexicon WHERE en_compressed <> '' ORDER BY id"
        ):
            dictionary.add(headword, translation)
    return dictionary


def read(path: Path | None) -> Dictionary | None:
    """The dictionary in this lexicon file; None, logged, when there is no file or it cannot be read (search then
    goes on without the dictionary)."""
    if path is None:
        log.warning("dictionary_missing", package="dormouse-ua")
        return None
    try:
        dictionary = load(path)
    except sqlite3.Error as exc:  # a damaged or changed data file must not break search
        log.warning("dictionary_unreadable", path=str(path), error=str(exc))
        return None
    log.info("dictionary_loaded", ukrainian=len(dictionary.english), english=len(dictionary.ukrainian))
    return dictionary


_loading = threading.Lock()


def bundled() -> Dictionary | None:
    """The shipped dictionary, read once per process (seconds; callers on other threads wait for the first)."""
    with _loading:
        return _read_bundled()


@cache
def _read_bundled() -> Dictionary | None:
    return read(lexicon_path())
