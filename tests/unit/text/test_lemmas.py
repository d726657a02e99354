"""Lemmas make inflected forms of one word meet in the full-text index, in Ukrainian, Russian and English."""

from __future__ import annotations

import pytest

from shared.text.lemmas import index_text, is_function_word, lemma, lemmas, words


def _meet(a: str, b: str) -> bool:
    return bool(set(index_text(a).split()) & set(index_text(b).split()))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("помилка", "помилку"),
        ("помилки", "помилкою"),
        ("міграції", "міграція"),
        ("сертифікатів", "сертифікат"),
        ("сповіщень", "сповіщення"),
        ("релізу", "реліз"),
        ("ключі", "ключ"),
        ("деплой", "деплою"),
        ("ошибки", "ошибка"),
        ("ошибку", "ошибкой"),
        ("миграции", "миграция"),
        ("пользователей", "пользователь"),
        ("errors", "error"),
        ("migrations", "migration"),
        ("queries", "query"),
        ("certificates", "certificate"),
    ],
)
def test_inflected_forms_of_one_word_share_a_lemma(a: str, b: str) -> None:
    assert _meet(a, b), (index_text(a), index_text(b))


@pytest.mark.parametrize(("a", "b"), [("помилка", "міграція"), ("ошибка", "сертификат"), ("error", "errand")])
def test_different_words_do_not_meet(a: str, b: str) -> None:
    assert not _meet(a, b)


def test_the_most_likely_lemma_comes_first() -> None:
    assert lemmas("помилку")[0] == "помилка"
    assert lemmas("ошибки")[0] == "ошибка"
    assert lemmas("errors")[0] == "error"


def test_words_are_lower_cased_apostrophes_dropped_and_compounds_split() -> None:
    assert words("П'ятниця, фіче-флаг та transaction_id!") == ["пятниця", "фіче", "флаг", "та", "transaction", "id"]
    assert words("✅ 🙏 …") == []


def test_index_text_keeps_numbers_and_unknown_words() -> None:
    indexed = index_text("502 на /v2/payments, HikariPool")
    assert "502" in indexed.split() and "hikaripool" in indexed.split()


def test_function_words_of_each_language_are_known() -> None:
    assert all(is_function_word(w) for w in ("з", "на", "the", "of", "что", "и"))
    assert not any(is_function_word(w) for w in ("помилка", "деплой", "error"))


def test_one_lemma_per_word_in_each_language_with_the_message_language_deciding_shared_spellings() -> None:
    assert [lemma(w) for w in ("сповіщень", "ошибками", "certificates", "пятниці")] == [
        "сповіщення",
        "ошибка",
        "certificate",
        "пятниця",
    ]
    assert lemma("п'ятниці") == lemma("пятниця")  # apostrophes dropped as the index drops them
    assert lemma("фіче-флагу") == lemma("фіче-флаг")  # each part of a compound on its own
    assert lemma("сообщения", "uk") == lemma("сообщения") == "сообщение"  # only Russian knows it
    assert (lemma("стола", "uk"), lemma("стола", "ru")) == ("стіл", "стол")  # both do
