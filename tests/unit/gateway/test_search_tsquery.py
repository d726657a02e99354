"""A search box's text becomes a tsquery over lemma groups, with websearch syntax and no way to break it."""

from __future__ import annotations

from services.gateway.search.tsquery import build


def test_each_word_becomes_the_group_of_its_lemmas_and_its_own_form() -> None:
    assert build("помилку") == "('помилка' | 'помилку')"


def test_words_are_joined_with_or_by_default_and_and_on_request() -> None:
    assert build("міграція бази") == "'міграція' | ('база' | 'бази')"
    assert build("міграція бази", join="all") == "'міграція' & ('база' | 'бази')"


def test_function_words_are_dropped_unless_nothing_else_is_left() -> None:
    assert "'з'" not in (build("проблема з оплатою") or "")
    assert build("з") == "'з'"


def test_quoted_phrases_excluded_words_and_or_follow_websearch_syntax() -> None:
    phrase = build('"деплой на прод" -staging') or ""
    assert " <-> " in phrase and "!('stage' | 'staging')" in phrase
    assert build("HNSW or IVFFlat") == "('hnsw' | 'ivfflat')"


def test_quotes_and_operators_in_the_input_cannot_break_the_query() -> None:
    for hostile in ("it's", "a & b | !c", "'); DROP TABLE messages; --", "(((", "\\'"):
        built = build(hostile)
        assert built is None or built.count("'") % 2 == 0


def test_a_query_without_words_builds_nothing() -> None:
    assert build("✅ 🙏 -") is None


def test_a_words_translations_join_its_group_but_not_an_excluded_words() -> None:
    translations = {"кешу": ["cache"], "staging": ["стейджинг"]}
    assert build("кешу", alternatives=translations) == "('кеш' | 'кеша' | 'кешу' | 'cache')"
    assert "стейджинг" not in (build("кеш -staging", alternatives=translations) or "")
