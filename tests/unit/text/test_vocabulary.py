"""The words a chat's vocabulary holds: lemmas of content words, once each."""

from __future__ import annotations

from shared.text.vocabulary import is_latin, text_terms


def test_a_texts_terms_are_the_lemmas_of_its_content_words_once_each() -> None:
    terms = text_terms("Сертифікати спливають, сертифікат треба оновити до 20 березня, ok? KV-1452 the cache")
    assert terms[:2] == ["сертифікат", "спливати"] and terms.count("сертифікат") == 1
    assert "cache" in terms
    assert not {"20", "kv", "1452", "the", "до", "ok"} & set(terms)  # numbers, short words, function words


def test_the_script_of_a_term() -> None:
    assert is_latin("cache") and not is_latin("кеш") and not is_latin("кэш")


def test_identifiers_and_acronyms_are_not_vocabulary() -> None:
    """«InvalidProviderToken» sits near every word starting with "invalid" and means nothing in another language."""
    terms = text_terms("APNs повертає 403 InvalidProviderToken, HikariPool-1 вичерпано, HNSW index. Cache invalidation")
    assert terms == ["повертати", "вичерпати", "index", "cache", "invalidation"]
