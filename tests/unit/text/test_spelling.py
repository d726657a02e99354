"""Loanwords meet their source words across scripts by a Latin sound key."""

from __future__ import annotations

from shared.text.spelling import likeness, sound_key


def test_a_loanword_and_its_source_share_a_key() -> None:
    for cyrillic, latin in [("індекс", "index"), ("ембединг", "embedding"), ("банер", "banner"), ("деплой", "deploy")]:
        assert sound_key(cyrillic) == sound_key(latin), (cyrillic, latin)
    assert sound_key("сервис") == sound_key("сервіс") == sound_key("service")  # Russian and Ukrainian alike


def test_likeness_is_one_for_equal_keys_and_falls_with_fewer_shared_letter_pairs() -> None:
    assert likeness("indeks", "indeks") == 1.0
    assert likeness("invalidatsiya", "invalidation") > likeness("validatsiya", "invalidation") > 0.0
    assert likeness("kesh", "kakh") == 0.0
    assert likeness("a", "a") == 1.0 and likeness("a", "b") == 0.0  # too short for letter pairs
