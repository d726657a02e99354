"""Language of a chat message: uk, ru, en, other or unknown — fast, no dependencies, no model.

Chat messages are short and code-switched (Ukrainian sentences full of English tech terms), so general
n-gram detectors guess badly here. This module scores cheap, explainable evidence instead: letters that
exist in only one alphabet, frequent function words, a few word endings, and common transliterations.
"""

from __future__ import annotations

import re
from itertools import repeat

from shared.contracts.common import Language

# Letters that exist in one alphabet only; one of them is strong evidence on its own.
_UK_LETTERS = frozenset("іїєґ")
_RU_LETTERS = frozenset("ыэъё")
# Cyrillic letters of other languages (Belarusian ў, Serbian/Macedonian, Kazakh …): not uk/ru.
_OTHER_CYRILLIC_LETTERS = frozenset("ўђјљњћџѓќѕәғқңөұүһ")

# Frequent words that exist in one language only (shared words such as "не", "на", "так" are left out).
_UK_WORDS = frozenset(
    """
    це що як але або ще вже та й ні ми ви ти вони він вона воно його мені тобі їх
    дякую дякуємо будь ласка привіт зараз треба можна буде було був була були немає нема чи бо
    коли який яка яке які котрий сьогодні завтра вчора добре гаразд дивись подивись зроблю зробив
    зробила зробимо робимо робити зробити хто де чому щоб якщо тільки теж також дуже мене
    вийшло вийде бачу потрібно можеш ось зранку ввечері тиждень тижня з зі щось якось звісно звичайно мабуть
    трохи багато поки разом хвилин хвилини хвилину годин година годину протягом ранок ранку кава каву дякс
    перевірю подивлюсь дивлюсь глянь полагодив полагоджу оновив оновлю знайшов знайшла додаю додав додала
    """.split()
)
_RU_WORDS = frozenset(
    """
    это что как но или еще ещё уже и да нет мы вы они он она оно его мне их
    спасибо пожалуйста привет сейчас надо нужно можно будет было был была были нету ли потому
    когда какой какая какое какие который сегодня завтра вчера хорошо ладно смотри посмотри сделаю
    сделал сделала сделаем делаем делать сделать кто где почему чтобы если только тоже также очень меня
    тебя получилось получится вижу можешь вот здесь утром вечером неделя недели с со что-то как-то конечно
    наверное немного много пока вместе минут минуты минуту часов часа утро кофе проверю посмотрю смотрю
    починил починю обновил обновлю нашел нашла добавляю добавил добавила
    """.split()
)
_EN_WORDS = frozenset(
    """
    the a an is are was were be been am to of and in on at for it its this that these those with we you
    i he she they not no yes have has had do does did can could will would should what how why when where
    who which please thanks thank ok okay hi hello hey just there here from by or but if so my your our
    me us them all any some get got let lets let's i'm it's don't doesn't can't won't isn't i'll we'll
    lol thx pls sure yep nope great good morning done fixed fix check merged need needs about after
    """.split()
)
# Ukrainian and Russian written in Latin letters (phones without a Cyrillic keyboard, quick replies).
_UK_TRANSLIT = frozenset(
    "pryvit dyakuyu diakuiu dyakuju shcho scho shcho tse yak spravy vzhe zroblyu zroblju zrobliu bud laska "
    "harazd dobryi dobryj ranku nemaye nema treba bude".split()
)
_RU_TRANSLIT = frozenset(
    "privet spasibo chto shto eto kak dela uzhe sdelayu sdelaju pozhaluysta pozhalujsta horosho khorosho "
    "segodnya nado nuzhno budet".split()
)
# Function words of other Latin-script languages, so German or Polish is "other", not "en".
_OTHER_LATIN_WORDS = frozenset(
    "und ist nicht ich das der wie geht est pas je les une avec pour merci bonjour el los las que por para "
    "gracias hola pero muy się jest nie dzięki cześć czy".split()
)

_UK_SUFFIXES = ("ння", "ття", "ються", "емо", "ємо", "имо")
_RU_SUFFIXES = ("ние", "тие", "ются", "ает", "яет", "ость", "ое", "ие")

_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|@\w+|`[^`]*`|#\w+")
# Every match of _NOISE_RE contains one of these.
_NOISE_HINT = re.compile(r"://|www\.|[@`#]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")

# Matrix-language rule: Slavic grammar with English tech terms inside is still Slavic when the
# Cyrillic part carries at least this share of the letters.
_CYRILLIC_MATRIX_SHARE = 0.35
_MIN_LETTERS = 2


_CYRILLIC_WORD_RE = re.compile(r"[\u0400-\u052F'’ʼ]+")
_LATIN_WORD_RE = re.compile(r"[a-z\u00C0-\u024F\u1E00-\u1EFF'’]+")
_OTHER_LETTER_RE = re.compile(r"[^\W\d_a-z\u00C0-\u024F\u1E00-\u1EFF\u0400-\u052F]")


def _cyrillic_language(words: list[str], letters: str) -> Language | None:
    # Counting through map/str.count keeps the loops in C: this runs on every imported message.
    if not _OTHER_CYRILLIC_LETTERS.isdisjoint(letters):
        return "other"
    uk = 3 * sum(map(letters.count, _UK_LETTERS)) + 2 * sum(map(_UK_WORDS.__contains__, words))
    ru = 3 * sum(map(letters.count, _RU_LETTERS)) + 2 * sum(map(_RU_WORDS.__contains__, words))
    # The Ukrainian apostrophe (п'ять, м'ясо) has no Russian counterpart.
    uk += 2 * sum(1 for word in words if "'" in word or "’" in word or "ʼ" in word)
    long_words = [word for word in words if len(word) > 3]
    uk += sum(map(str.endswith, long_words, repeat(_UK_SUFFIXES)))
    ru += sum(map(str.endswith, long_words, repeat(_RU_SUFFIXES)))
    if uk == ru:
        return None
    return "uk" if uk > ru else "ru"


def _latin_language(words: list[str], letters: str) -> Language | None:
    en = sum(map(_EN_WORDS.__contains__, words))
    uk = sum(map(_UK_TRANSLIT.__contains__, words))
    ru = sum(map(_RU_TRANSLIT.__contains__, words))
    other = sum(map(_OTHER_LATIN_WORDS.__contains__, words))
    best = max(en, uk, ru, other)
    if best == 0:
        if not letters.isascii():
            return "other"  # accented Latin letters and no English word: some other European language
        return "en" if len(letters) >= 4 else None
    if en == best:
        return "en"
    if uk == best and uk > ru:
        return "uk"
    if ru == best and ru > uk:
        return "ru"
    return "other" if other == best else None


def detect_language(text: str | None) -> Language:
    """Best guess of the message language; "unknown" when there is too little text to tell."""
    if not text:
        return "unknown"
    cleaned = text.lower()
    if _NOISE_HINT.search(cleaned):  # most messages have no link, mention or code: skip the costly regex
        cleaned = _NOISE_RE.sub(" ", cleaned)
    cyrillic: list[str] = []
    latin: list[str] = []
    other_letters = 0
    for word in _WORD_RE.findall(cleaned):
        # Regex per word rather than a check per letter: this runs on every imported message. An ASCII
        # word here is lower-case Latin letters and apostrophes: no regex needed.
        if word.isascii():
            latin.append(word)
        elif _CYRILLIC_WORD_RE.fullmatch(word):
            cyrillic.append(word)
        elif _LATIN_WORD_RE.fullmatch(word):
            latin.append(word)
        else:
            other_letters += len(_OTHER_LETTER_RE.findall(word))
    cyr_letters = "".join(cyrillic).replace("'", "").replace("’", "").replace("ʼ", "")
    lat_letters = "".join(latin).replace("'", "").replace("’", "")
    total = len(cyr_letters) + len(lat_letters) + other_letters
    if total < _MIN_LETTERS:
        return "unknown"
    if other_letters > len(cyr_letters) + len(lat_letters):
        return "other"
    cyr_lang = _cyrillic_language(cyrillic, cyr_letters) if cyrillic else None
    if cyr_lang and len(cyr_letters) >= _CYRILLIC_MATRIX_SHARE * total:
        return cyr_lang
    if len(lat_letters) > len(cyr_letters):
        lat_lang = _latin_language(latin, lat_letters)
        if lat_lang:
            return lat_lang
    return cyr_lang or "unknown"
