"""Lemmas of Ukrainian, Russian and English words, so full-text search matches every inflected form.

PostgreSQL's `simple` configuration has no morphology and the embedded server has no contrib dictionaries
(no hunspell, no unaccent), so words are reduced to their dictionary forms here, in Python, and PostgreSQL
indexes and ranks those lemmas: the messages projection stores them at index time and the search API
lemmatises the query the same way.

Two maintained lemmatisers are combined because each misses what the other knows (measured in
bench/lemmatisers.py on inflected uk/ru/en pairs): pymorphy3 with its Ukrainian and Russian dictionaries
(full paradigms, e.g. «сповіщень» → «сповіщення», «релізу» → «реліз») and simplemma (English, and Ukrainian
slang outside the dictionary: «ключі» → «ключ»). A word stands for the set of its candidate lemmas; two
forms match when their sets share a lemma, which the index gets by holding every candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pymorphy3
import simplemma

# A word: letters/digits, with inner apostrophes (п'ятниця, don't) and hyphens (фіче-флаг) kept together
# until split below. Underscores separate words, as PostgreSQL's parser does.
_WORD = re.compile(r"[^\W_]+(?:['’ʼ`-][^\W_]+)*")
_APOSTROPHES = str.maketrans({"'": "", "’": "", "ʼ": "", "`": "", "ё": "е"})
_UK_ONLY = frozenset("іїєґ")
_RU_ONLY = frozenset("ыэъё")
_CYRILLIC = re.compile(r"[а-яіїєґёыэъ]")
_MAX_MORPH_LEMMAS = 2  # more dictionary readings than this are rare homonyms that only add false matches
_CACHE = 200_000  # distinct words; chat vocabulary is small, so nearly every lookup is a cache hit
_TEXT_CACHE = 20_000  # distinct whole texts (a few MB)

# Closed-class words (prepositions, conjunctions, particles, pronouns, auxiliaries): they carry no subject,
# so a query ignores them when it has other words (the index keeps them for phrase positions).
_FUNCTION_WORDS = frozenset(
    """
    a an the and or but if of in on at to for from by with about into over under as is are was were be been
    being do does did have has had it its this that these those there here i you he she we they me my our your
    their what which who whom why how when where not no can could should would will shall may might must just
    і й та а але або чи що як щоб коли де чому хто який яка яке які це цей ця ці той та то ж же би б не ні так
    в у на з із зі до від для по про за під над при через між без після перед ми ви він вона вони я ти мене
    мені нам вам їх його її є був була було були буде бути ще вже тут там теж також лише тільки
    и да но или что чтобы как когда где почему кто какой какая какое какие это этот эта эти тот та то же бы
    ни с со к ко от о об по про при через между без после перед мы вы он она они я ты меня мне нам вам их
    его ее есть был была было были будет быть еще уже тут там тоже также лишь только
    """.split()
)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, apostrophes dropped, hyphenated compounds split into their parts."""
    out: list[str] = []
    for match in _WORD.finditer(text.lower()):
        out.extend(part for part in match.group().translate(_APOSTROPHES).split("-") if part)
    return out


def _language(word: str) -> str:
    """uk, ru, cyrillic (either), or latin — from the letters alone; a chat mixes languages within a line."""
    if not _CYRILLIC.search(word):
        return "latin"
    letters = set(word)
    if letters & _UK_ONLY:
        return "uk"
    if letters & _RU_ONLY:
        return "ru"
    return "cyrillic"


@lru_cache(maxsize=2)
def _morph(lang: str) -> pymorphy3.MorphAnalyzer:
    """The dictionary, and for a word it lacks only the suffix guess: pymorphy3's default prefix analysers
    (known and unknown prefixes) parse every split of an unknown word again, which made guessing 2–4x slower
    (unknown words were the projection's costliest case) and gave worse lemmas for chat slang («пушами» →
    «пушами», «білдів» → «білдіва»; the suffix guess gives «пуш», «білд»): bench/lemmatisers.py."""
    units = [
        pymorphy3.units.DictionaryAnalyzer(),
        pymorphy3.units.KnownSuffixAnalyzer(min_word_length=4, score_multiplier=0.5),
        pymorphy3.units.UnknAnalyzer(),
    ]
    return pymorphy3.MorphAnalyzer(lang=lang, units=units)


def _morph_lemmas(word: str, lang: str) -> list[str]:
    """Dictionary lemmas of a known word; for an unknown one, the suffix-guessed lemma and the word itself
    (guesses are consistent across one word's forms, which is what matching needs, but not always right)."""
    analyzer = _morph(lang)
    parses = analyzer.parse(word)
    if not analyzer.word_is_known(word):
        return [parses[0].normal_form.translate(_APOSTROPHES), word] if parses else [word]
    found: list[str] = []
    for parse in parses:
        form = parse.normal_form.translate(_APOSTROPHES)
        if form not in found:
            found.append(form)
        if len(found) == _MAX_MORPH_LEMMAS:
            break
    return found


@lru_cache(maxsize=_CACHE)
def lemmas(word: str) -> tuple[str, ...]:
    """Candidate lemmas of one lower-case word, the most likely first; the word itself when nothing is known."""
    if word.isdigit() or len(word) == 1:
        return (word,)
    lang = _language(word)
    found: list[str] = []
    if lang == "latin":
        found.append(simplemma.lemmatize(word, lang="en").lower())
    else:
        morph_langs = {"uk": ("uk",), "ru": ("ru",)}.get(lang, ("uk", "ru"))
        known = [m for m in morph_langs if _morph(m).word_is_known(word)]
        for morph_lang in known or morph_langs[:1]:
            found.extend(_morph_lemmas(word, morph_lang))
        simple_langs = ("uk", "ru") if lang == "cyrillic" else (lang,)
        found.append(simplemma.lemmatize(word, lang=simple_langs).lower().translate(_APOSTROPHES))
    unique = tuple(dict.fromkeys(lemma for lemma in found if lemma))
    return unique or (word,)


@lru_cache(maxsize=_CACHE)
def lemma(word: str, language: str | None = None) -> str:
    """The one most likely lemma of a lower-case word (a keyword, a topic name's word). A Cyrillic word that
    reads as both Ukrainian and Russian takes the dictionary of `language` (the message's) when it knows the
    word; apostrophes are dropped and each part of a hyphenated compound is lemmatised on its own."""
    if "-" in word:
        return "-".join(lemma(part, language) for part in word.split("-") if part)
    word = word.translate(_APOSTROPHES)
    if language in ("uk", "ru") and _language(word) == "cyrillic" and _morph(language).word_is_known(word):
        return _morph_lemmas(word, language)[0]
    return lemmas(word)[0] if word else word


def is_function_word(word: str) -> bool:
    return word in _FUNCTION_WORDS


@lru_cache(maxsize=_TEXT_CACHE)
def index_text(text: str) -> str:
    """What the search column is built from: every candidate lemma of every word, in text order. Cached per
    whole text too: a chat repeats its short texts («ок», «+1», «дякую!», «👍») all day."""
    return " ".join(lemma for word in words(text) for lemma in lemmas(word))


def index_texts(texts: Iterable[str]) -> list[str]:
    return [index_text(text) for text in texts]


def warm_up() -> None:
    """Load the dictionaries now (seconds, once) rather than inside the first projected batch."""
    for word in ("помилка", "ошибка", "error", "деплой"):
        lemmas(word)
