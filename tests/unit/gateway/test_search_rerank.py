"""The local reranker: the first pass's order fused with the query words each text holds and its similarity."""

from __future__ import annotations

import pytest

from services.gateway.search.hits import Hit
from services.gateway.search.rerank import LocalReranker, configured_reranker, coverage, document, query_groups
from shared.settings import Settings


def _hit(key: str, text: str, similarity: float | None = None) -> Hit:
    return Hit(type="message", id=key, title=text, text=text, score=0.0, similarity=similarity)


@pytest.mark.parametrize(
    ("query", "text", "held"),
    [
        ("помилки міграції", "Знайшов помилку в міграція платежів", 1.0),  # uk, inflected
        ("ошибки в миграциях", "Ошибка миграции на проде", 1.0),  # ru; «в» is a function word
        ("expired certificates", "The certificates expire on Friday", 1.0),  # en, inflected
        ("renew certificates", "The certificate expires on Friday", 0.5),  # en: one of two words
        ("деплой", "Release went out", 0.0),
    ],
)
def test_coverage_counts_the_query_words_a_text_holds_in_any_form(query: str, text: str, held: float) -> None:
    assert coverage(query_groups(query), text) == held


def test_a_query_of_function_words_alone_still_has_words() -> None:
    assert query_groups("що це") and coverage(query_groups("що це"), "а що це таке?") == 1.0
    assert query_groups("✅ …") == [] and coverage([], "anything") == 0.0


async def test_a_hit_holding_the_words_and_the_meaning_rises_above_the_first_pass_order() -> None:
    hits = [
        _hit("a", "Обід о 13:00 у їдальні", similarity=0.80),
        _hit("b", "Чекаю на рев'ю", similarity=0.81),
        _hit("c", "Сертифікат Apple Pay спливає 20 березня", similarity=0.88),
        _hit("d", "не знаю"),  # not embedded: no similarity view, still ranked by the others
    ]
    out = await LocalReranker().rerank("сертифікати спливають", hits)
    assert out[0].id == "c"
    assert sorted(hit.id for hit in out) == ["a", "b", "c", "d"]  # the same hits, reordered
    assert [hit.score for hit in out] == sorted((hit.score for hit in out), reverse=True)


async def test_without_any_signal_the_first_pass_order_stands() -> None:
    hits = [_hit(k, "text") for k in "abc"]
    assert [hit.id for hit in await LocalReranker().rerank("query", hits)] == ["a", "b", "c"]
    assert await LocalReranker().rerank("query", []) == []


def test_the_configured_reranker_is_checked_at_start() -> None:
    assert configured_reranker(Settings()) is None
    assert configured_reranker(Settings(search_rerank="local")).name == "local"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="TT_RERANK_URL"):
        configured_reranker(Settings(search_rerank="http"))
    with pytest.raises(ValueError, match="http"):
        configured_reranker(Settings(search_rerank="http", rerank_url="ftp://x"))
    with pytest.raises(ValueError, match="unknown TT_SEARCH_RERANK"):
        configured_reranker(Settings(search_rerank="cohere"))
    key = "sk-secret-123"
    reranker = configured_reranker(Settings(search_rerank="http", rerank_url="http://r/v1/rerank", rerank_api_key=key))
    assert reranker is not None and key not in repr(reranker)


def test_a_knowledge_hit_is_read_with_its_title() -> None:
    topic = Hit(type="topic", id="t", title="Сертифікати APNs", text="", score=0.0)
    atom = Hit(type="atom", id="a", title="Ротація ключів", text="Ключ .p8 оновлено", score=0.0)
    assert (document(topic), document(atom)) == ("Сертифікати APNs", "Ротація ключів\nКлюч .p8 оновлено")
    assert document(_hit("m", "Пуші приходять ✅")) == "Пуші приходять ✅"
    assert coverage(query_groups("сертифікат"), document(topic)) == 1.0
