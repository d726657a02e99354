"""Validation of the search parameters: clear errors, calibrated defaults."""

from __future__ import annotations

import pytest

from services.gateway.search.params import (
    MAX_QUERY_CHARS,
    parse_limit,
    parse_mode,
    parse_query,
    parse_threshold,
    parse_types,
    search_params,
)


def test_types_default_to_all_three_in_a_stable_order() -> None:
    assert parse_types(None) == ("messages", "atoms", "topics")
    assert parse_types(" topics , MESSAGES ") == ("messages", "topics")


def test_an_unknown_type_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="unknown types \\['tasks'\\]"):
        parse_types("messages,tasks")


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid", " Hybrid "])
def test_the_three_modes_are_accepted(mode: str) -> None:
    assert parse_mode(mode) == mode.strip().lower()


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mode 'fuzzy'"):
        parse_mode("fuzzy")


def test_the_threshold_defaults_to_the_configured_value_and_must_be_a_similarity() -> None:
    assert parse_threshold(None, 0.83) == 0.83
    assert parse_threshold(0.5, 0.83) == 0.5
    assert parse_threshold(0.0, 0.83) == 0.0  # no cut-off: rank only
    for bad in (-0.2, 1.01):
        with pytest.raises(ValueError, match="threshold must be in"):
            parse_threshold(bad, 0.83)


def test_the_limit_defaults_to_the_configured_one_and_is_bounded() -> None:
    assert parse_limit(None, 10) == 10
    for bad in (0, 101):
        with pytest.raises(ValueError, match="limit must be between 1 and 100"):
            parse_limit(bad, 10)


def test_an_empty_query_is_refused_and_a_huge_one_truncated() -> None:
    with pytest.raises(ValueError, match="q must not be empty"):
        parse_query("   ")
    assert len(parse_query("x" * 5000)) == MAX_QUERY_CHARS


def test_fusion_looks_deeper_than_the_page_it_returns() -> None:
    params = search_params("hnsw", "hybrid", None, 10, None, defaults=(10, 0.83))
    assert params.candidates == 50 and params.threshold == 0.83
    assert search_params("x", "keyword", None, 100, None, defaults=(10, 0.83)).candidates == 100
