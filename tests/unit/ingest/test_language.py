"""detect_language: the cases chat messages actually produce."""

from __future__ import annotations

import pytest

from services.ingest.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Так, зроблю завтра",  # no і/ї/є/ґ: function words decide
        "Добре, дякую",
        "Це баг",
        "Ми вже на проді",
        "Все працює, можна мерджити",
        "п'ять хвилин",  # the Ukrainian apostrophe
        "Привіт усім",
        "Збірка впала на CI",
    ],
)
def test_ukrainian_including_short_messages_without_distinctive_letters(text: str) -> None:
    assert detect_language(text) == "uk"


@pytest.mark.parametrize(
    "text",
    ["Привет, как дела?", "Спасибо, посмотрю", "Всё работает, можно мерджить", "Он работает", "Это баг"],
)
def test_russian(text: str) -> None:
    assert detect_language(text) == "ru"


@pytest.mark.parametrize(
    "text", ["Hello team, the build is green", "Check this PR please", "ok", "lol", "thanks!", "deploy failed"]
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["", None, "😀😀", "+", "👍🔥", "123 456", "https://example.com/x", "xD", "   "])
def test_unknown_for_empty_emoji_numbers_links_and_too_short(text: str | None) -> None:
    assert detect_language(text) == "unknown"


@pytest.mark.parametrize(
    "text", ["こんにちは世界", "Γειά σου κόσμε", "שלום לכולם", "Hallo, wie geht es dir?", "Дзякуй, ўсё добра"]
)
def test_other_scripts_and_other_languages_are_other(text: str) -> None:
    assert detect_language(text) == "other"


def test_ukrainian_sentence_with_english_tech_terms_stays_ukrainian() -> None:
    assert detect_language("Деплой на prod зроблю завтра") == "uk"
    assert detect_language("Fixed the crash в login screen, перевірте будь ласка") == "uk"


def test_english_message_with_a_ukrainian_thanks_is_english() -> None:
    assert detect_language("Merged the fix into main and updated the changelog, дякую") == "en"


def test_code_links_and_mentions_do_not_vote() -> None:
    assert detect_language("@olena дивись `NullPointerException in the handler` https://example.com/the/bug") == "uk"


@pytest.mark.parametrize(("text", "expected"), [("pryvit, yak spravy?", "uk"), ("privet kak dela", "ru")])
def test_transliterated_ukrainian_and_russian(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_ambiguous_cyrillic_word_is_unknown_rather_than_a_guess() -> None:
    assert detect_language("Деплой") == "unknown"
