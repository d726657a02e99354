"""Words of a message for naming topics: tokens, uk/ru/en stop words, lemmas.

Keywords must survive inflection ("повідомлення" / "повідомлень", "embeddings" / "embedding"), so tokens are
reduced to their most likely lemma by the project's lemmatiser (shared/text/lemmas.py: pymorphy3 uk/ru and
simplemma, the same one search indexes with), the message's language deciding a word both languages spell.
Identifiers (`save_telegram_message`, `ef_construction`, `compose.yml`) are kept whole: in a team chat they
are often the most distinctive words of all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from stop_words import get_stop_words

from services.scorer import lexicon as lx
from shared.text import lemmas

_TOKEN: Final = re.compile(r"[\w][\w'’.-]*[\w]|\w", re.UNICODE)
_IDENTIFIER: Final = re.compile(r"[_.\d]|[a-z][A-Z]")
# English: the classic function-word list (NLTK's); the `stop-words` English list is an SEO list that also
# drops content words such as "index", "cache"-adjacent "value", "problem" or "test".
_ENGLISH: Final = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now d ll m o re ve y
    ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn
    i'm it's that's there's we're we'll i'll i've don't doesn't isn't can't won't let's what's could would
    """.split()
)
# Chat and meeting words that every team discussion shares: they never name what a discussion is about.
_CHAT_WORDS: Final = frozenset(
    """
    think need needs want let lets let's yeah yes ok okay sure good great perfect thing things way use using
    also just really maybe something anything one two three option options currently point question answer
    guys team everyone check look looks make made know sounds agree idea plan create done work works working
    думаю треба потрібно можна може мабуть так ні добре окей ок зараз ще вже теж тоді також просто дивись
    ось типу хлопці ребята команда спасибі дякую питання відповідь варіант варіанти приклад
    according ask asks asked current every please get got go going see new old today tomorrow yesterday now
    still already well much many lot lots bit since back first last next another other try tried thanks thank
    everything anything nothing someone anyone already start started find found need needed said say says tell
    знову сьогодні завтра вчора будь ласка новий нова нове нові старий кожен кожна потім спочатку зробити
    сегодня завтра вчера пожалуйста новый новая новое каждый потом сначала сделать
    думати думать думаю надо нужно можно может наверное да нет хорошо сейчас еще уже тоже тогда также просто смотри вот
    """.split()
)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """uk + ru stop words (the `stop-words` lists), English function words, the scorer's list, chat words."""
    words: set[str] = set(lx.STOP_WORDS) | _CHAT_WORDS
    words |= _ENGLISH
    for language in ("uk", "ru"):
        words.update(w.lower() for w in get_stop_words(language))
    return frozenset(words)


def lemma(token: str, language: str | None = None) -> str:
    """The dictionary form of one lower-cased token; identifiers stay as they are."""
    if _IDENTIFIER.search(token):
        return token.strip(".-")
    return lemmas.lemma(token, language)


def terms(text: str, language: str | None = None) -> list[tuple[str, str]]:
    """(lemma, surface form) of every content word: no stop words, no numbers, no one-letter tokens."""
    stop = stop_words()
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(lx.normalise(text)):
        surface = match.group().strip("'’.-")
        lower = surface.lower()
        if len(lower) < 2 or lower in stop or lx.URL.fullmatch(lower) or sum(c.isalpha() for c in lower) < 3:
            continue  # numbers, measures ("180ms", "98.1") and versions name no subject
        if lx.NUMBER_WITH_UNIT.fullmatch(lower):
            continue
        key = lemma(lower, language)
        if key in stop or len(key) < 2:
            continue
        out.append((key, surface))
    return out
