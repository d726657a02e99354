from services.extractor.vocabulary import stop_words, terms


def lemmas(text: str, language: str | None = None) -> list[str]:
    return [t for t, _ in terms(text, language)]


def test_inflected_forms_share_one_lemma_in_each_language() -> None:
    assert lemmas("повідомлення повідомлень", "uk") == ["повідомлення", "повідомлення"]
    assert lemmas("сообщения сообщений", "ru") == ["сообщение", "сообщение"]
    assert lemmas("workers worker messages") == ["worker", "worker", "message"]


def test_stop_words_of_all_three_languages_and_chat_filler_are_dropped() -> None:
    assert lemmas("і ми теж думаю що це так") == []
    assert lemmas("и мы тоже думаем что это так", "ru") == []
    assert lemmas("we think that it is the thing") == []
    assert {"the", "і", "и", "думаю"} <= stop_words()


def test_identifiers_numbers_and_content_words_are_kept_as_they_should_be() -> None:
    found = terms("Set ef_construction to 64 in compose.yml, index is slow")
    assert [t for t, _ in found] == ["set", "ef_construction", "compose.yml", "index", "slow"]
    assert ("ef_construction", "ef_construction") in found
