"""Which lemmatiser search uses: agreement on inflected uk / ru / en word pairs, and speed.

Run: `uv run python bench/lemmatisers.py`. A pair counts as matched when both forms get a common lemma —
what full-text search needs (shared/text/lemmas.py indexes every candidate lemma). Compares pymorphy3
(uk / ru dictionaries; no English), simplemma (dictionary lookups, 54 languages) and the combination used.
Speed: words per second over the demo chat's words, without and with the module's cache.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pymorphy3
import simplemma

from shared.text import lemmas as combined

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "telegram_export.json"
# (language, form, another form of the same word); everyday chat words, dictionary and slang alike
PAIRS = [
    *(
        ("uk", a, b)
        for a, b in [
            ("помилка", "помилку"), ("помилки", "помилкою"), ("міграції", "міграція"), ("міграцію", "міграціями"),
            ("деплой", "деплою"), ("сертифікат", "сертифіката"), ("сертифікати", "сертифікатом"),
            ("оплата", "оплатою"), ("оплати", "оплату"), ("картки", "картка"), ("сповіщення", "сповіщень"),
            ("реліз", "релізу"), ("користувачів", "користувач"), ("ключ", "ключі"), ("пошук", "пошуку"),
            ("падає", "падають"), ("впав", "впала"), ("оновлення", "оновлень"), ("база", "базу"),
            ("бази", "базою"), ("баг", "баги"), ("фікс", "фіксом"), ("блокер", "блокери"),
            ("інцидент", "інциденту"), ("звіти", "звіт"),
        ]
    ),
    *(
        ("ru", a, b)
        for a, b in [
            ("ошибки", "ошибка"), ("ошибку", "ошибкой"), ("миграция", "миграции"), ("сертификат", "сертификаты"),
            ("оплата", "оплату"), ("пользователей", "пользователь"), ("базы", "база"), ("релиза", "релиз"),
            ("уведомления", "уведомлений"), ("ключ", "ключа"), ("падает", "падают"), ("деплоя", "деплой"),
        ]
    ),
    *(
        ("en", a, b)
        for a, b in [
            ("errors", "error"), ("migrations", "migration"), ("certificates", "certificate"),
            ("payments", "payment"), ("crashes", "crash"), ("notifications", "notification"), ("users", "user"),
            ("queries", "query"), ("indexes", "index"), ("builds", "build"), ("failed", "fail"),
            ("failing", "fail"),
        ]
    ),
]  # fmt: skip

_MORPH = {"uk": pymorphy3.MorphAnalyzer(lang="uk"), "ru": pymorphy3.MorphAnalyzer(lang="ru")}


def _pymorphy(word: str, lang: str) -> set[str]:
    return {_MORPH[lang].parse(word)[0].normal_form} if lang in _MORPH else {word}


def _simplemma(word: str, lang: str) -> set[str]:
    return {simplemma.lemmatize(word, lang=lang)}


def _combined(word: str, lang: str) -> set[str]:
    return set(combined.lemmas(word))


def agreement(lemmatise: Callable[[str, str], set[str]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for lang, a, b in PAIRS:
        hit, total = out.get(lang, (0, 0))
        out[lang] = (hit + bool(lemmatise(a, lang) & lemmatise(b, lang)), total + 1)
    return out


def demo_words() -> list[str]:
    texts = []
    for m in json.loads(DEMO.read_text(encoding="utf-8"))["messages"]:
        text = m.get("text", "")
        texts.append(text if isinstance(text, str) else "".join(p if isinstance(p, str) else p["text"] for p in text))
    return [w.lower() for text in texts for w in re.findall(r"\w+", text)]


def rate(lemmatise: Callable[[str], object], words: list[str]) -> float:
    began = time.perf_counter()
    for word in words:
        lemmatise(word)
    return len(words) / (time.perf_counter() - began)


def main() -> None:
    print("inflected pairs that meet (uk / ru / en):")
    for name, fn in (("pymorphy3", _pymorphy), ("simplemma", _simplemma), ("combined (used)", _combined)):
        figures = agreement(fn)
        cells = "  ".join(f"{lang} {hit}/{total}" for lang, (hit, total) in figures.items())
        print(f"  {name:<16} {cells}")
    words = demo_words() * 20
    uk = _MORPH["uk"]
    print(f"speed over {len(words):,} chat words:")
    print(f"  pymorphy3 (uk)       {rate(lambda w: uk.parse(w)[0].normal_form, words):>12,.0f} words/s")
    print(f"  simplemma (uk)       {rate(lambda w: simplemma.lemmatize(w, lang='uk'), words):>12,.0f} words/s")
    print(f"  combined, uncached   {rate(combined.lemmas.__wrapped__, words):>12,.0f} words/s")
    combined.lemmas.cache_clear()
    print(f"  combined, as used    {rate(combined.lemmas, words):>12,.0f} words/s  (cached per distinct word)")
    print("(a 2-core machine shared with other work: rates are indicative)")


if __name__ == "__main__":
    main()
