"""The Ukrainian–English dictionary: how entries are read, and how a query word of each language finds them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shared.text.dictionary import Dictionary, bundled, load, read, ukrainian_ending, without_prefix


@pytest.fixture(scope="module")
def small() -> Dictionary:
    dictionary = Dictionary()
    for headword, translation in [
        ("кеш", "cache"),
        ("пакетний", "batch"),
        ("блокування", "lock down"),
        ("масштабування", "scaling"),
        ("документувати", "document"),
        ("перевірити", "check"),
        ("вірити", "believe"),
        ("рішення", "decisions"),
        ("сертифікат", "certificate"),
        ("керування обліковими записами", "manage user accounts"),  # a phrase: not a word's translation
        ("звіт", "a report that is read by the whole team"),  # a gloss, not a translation
    ]:
        dictionary.add(headword, translation)
    return dictionary


def test_a_ukrainian_word_in_any_form_finds_its_english_words(small: Dictionary) -> None:
    assert small.translations("кешу") == ["cache"]
    assert small.translations("пакетна") == ["batch"]
    assert small.translations("блокування") == ["lock", "down"]


def test_an_english_word_in_any_form_finds_the_ukrainian_lemmas(small: Dictionary) -> None:
    assert small.translations("decision") == ["рішення"]  # the entry said "decisions"
    assert small.translations("caches") == ["кеш"]
    assert small.translations("unknownword") == []


def test_a_prefixed_verb_finds_the_entry_of_the_plain_verb(small: Dictionary) -> None:
    assert small.translations("задокументує") == ["document"]
    assert without_prefix("задокументувати") == ["документувати"]
    assert without_prefix("зроби") == []  # too little would be left
    assert small.translations("перевірив") == ["check"]  # a verb the dictionary knows keeps its prefix


def test_a_russian_word_finds_its_ukrainian_spelling_and_through_it_english(small: Dictionary) -> None:
    assert ukrainian_ending("масштабирование") == "масштабування"
    assert small.translations("масштабирование") == ["масштабування", "scaling"]
    assert small.translations("сертификат") == ["сертифікат", "certificate"]
    assert small.translations("ошибка") == []


def test_phrases_and_glosses_are_left_out(small: Dictionary) -> None:
    assert small.translations("звіт") == []
    assert "manage" not in small.ukrainian


def test_load_reads_the_lexicon_table(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE lexicon (id INTEGER PRIMARY KEY, word TEXT, en_compressed TEXT)")
        conn.executemany(
            "INSERT INTO lexicon (word, en_compressed) VALUES (?, ?)", [("деплой", "deploy"), ("помилка", "")]
        )
    dictionary = load(path)
    assert dictionary.translations("деплою") == ["deploy"]
    assert dictionary.translations("помилки") == []


def test_without_a_readable_lexicon_there_is_no_dictionary_and_no_error(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.db"
    sqlite3.connect(path).close()  # a database without the lexicon table
    with pytest.raises(sqlite3.OperationalError, match="no such table: lexicon"):
        load(path)
    assert read(path) is None
    assert read(None) is None  # the package is not installed


def test_the_shipped_dictionary_knows_everyday_chat_words() -> None:
    dictionary = bundled()
    assert dictionary is not None, "the dormouse-ua package is a dependency"
    assert "cache" in dictionary.translations("кешування")
    assert "batch" in dictionary.translations("пакетна")
    assert "рішення" in dictionary.translations("decision")
    assert "payment" in dictionary.translations("оплате")  # Russian, spelled as in Ukrainian
    assert bundled() is dictionary  # read once per process
