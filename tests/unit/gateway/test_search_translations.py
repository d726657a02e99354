"""Which of a query word's candidates count as its translations (CSLS, loanwords by their spelling)."""

from __future__ import annotations

import pytest

from services.gateway.search.translations import MAX_PER_WORD, Candidate, choose, configured_dictionary
from shared.settings import Settings
from shared.text.dictionary import bundled
from shared.text.spelling import sound_key


def _candidate(term: str, similarity: float, hub: float, *, nearest: bool = True) -> Candidate:
    return Candidate(term, similarity, hub, sound_key(term), nearest)


def test_a_hub_close_to_every_word_loses_to_the_word_close_to_this_one_only() -> None:
    candidates = [
        _candidate("parametrize", 0.905, 0.90),  # nearest by cosine, but as near to everything
        _candidate("certificate", 0.890, 0.85),
        _candidate("https", 0.889, 0.88),
    ]
    assert choose("сертифікат", candidates) == ["certificate"]


def test_nothing_counts_when_no_candidate_stands_out() -> None:
    candidates = [_candidate(term, 0.88, 0.88) for term in ("well", "like", "roughly")]
    assert choose("повільний", candidates) == []


def test_a_loanword_found_by_spelling_counts_unless_the_vectors_disagree() -> None:
    near = [_candidate(term, 0.89, 0.885) for term in ("parametrize", "infra", "ivfflat")]
    index = _candidate("index", 0.875, 0.88, nearest=False)  # spelled alike, not among the nearest
    assert choose("індекс", [*near, index]) == ["index"]
    unrelated = _candidate("index", 0.80, 0.88, nearest=False)
    assert choose("індекс", [*near, unrelated]) == []


def test_a_word_the_dictionary_knows_takes_only_loanwords_from_the_vectors() -> None:
    near = [_candidate("parametrize", 0.905, 0.90), _candidate("certificate", 0.890, 0.85)]
    loanword = _candidate("index", 0.875, 0.88, nearest=False)
    assert choose("індекс", [*near, loanword]) == ["certificate", "index"]
    assert choose("індекс", [*near, loanword], by_meaning=False) == ["index"]


def test_at_most_a_few_translations_best_first() -> None:
    candidates = [_candidate(t, s, 0.85) for t, s in (("new", 0.93), ("nova", 0.92), ("newer", 0.91), ("now", 0.9))]
    chosen = choose("новий", candidates)
    assert chosen == ["new", "nova"][:MAX_PER_WORD]


def test_a_russian_word_meets_its_ukrainian_spelling_but_not_a_merely_similar_word() -> None:
    near = [_candidate(term, 0.88, 0.88) for term in ("arrive", "prepare", "towards")]
    ukrainian = _candidate("приходити", 0.95, 0.93, nearest=False)  # «приходят» → lemma «приходить»
    assert choose("приходить", [*near, ukrainian]) == ["приходити"]
    different = _candidate("прихильний", 0.93, 0.93, nearest=False)  # shares the first letters only
    assert choose("приходить", [*near, different]) == []


def test_the_configured_dictionary_is_checked_at_start() -> None:
    assert configured_dictionary(Settings()) is bundled
    assert configured_dictionary(Settings(search_dictionary="off"))() is None
    with pytest.raises(ValueError, match="unknown TT_SEARCH_DICTIONARY"):
        configured_dictionary(Settings(search_dictionary="yes"))
