"""What the embedder embeds: texts per item kind and the classification policy."""

from __future__ import annotations

import pytest

from services.embedder.texts import atom_text, message_text, parse_policy, should_embed, topic_text


def test_a_message_is_embedded_as_its_text_without_surrounding_whitespace() -> None:
    assert message_text("  HNSW ef_construction is too low \n") == "HNSW ef_construction is too low"


@pytest.mark.parametrize("text", [None, "", "   \n\t"])
def test_a_message_without_text_has_nothing_to_embed(text: str | None) -> None:
    assert message_text(text) is None


def test_an_atom_is_embedded_as_title_blank_line_content() -> None:
    text = atom_text("Update HNSW params", "ef_construction=64, m=16, ef_search=40")
    assert text == "Update HNSW params\n\nef_construction=64, m=16, ef_search=40"


def test_an_atom_without_content_is_embedded_as_its_title() -> None:
    assert atom_text(" Requires full reindexing ", "  ") == "Requires full reindexing"


def test_a_topic_is_embedded_as_name_blank_line_description() -> None:
    text = topic_text("Автосейв повідомлень", "Повідомлення з телеграм бота не зберігаються в базу")
    assert text == "Автосейв повідомлень\n\nПовідомлення з телеграм бота не зберігаються в базу"


def test_a_topic_without_description_is_embedded_as_its_name() -> None:
    assert topic_text("TaskIQ Worker Scaling", None) == "TaskIQ Worker Scaling"


@pytest.mark.parametrize(("classification", "expected"), [("signal", True), ("weak_signal", True), ("noise", False)])
def test_the_default_signal_policy_embeds_signal_and_weak_signal(classification: str, expected: bool) -> None:
    assert should_embed(classification) is expected
    assert should_embed(classification, "signal") is expected


@pytest.mark.parametrize("classification", ["signal", "weak_signal", "noise"])
def test_the_all_policy_embeds_every_scored_message(classification: str) -> None:
    assert should_embed(classification, "all")


@pytest.mark.parametrize("policy", ["signal", "all"])
def test_an_unscored_message_is_not_embedded_yet(policy: str) -> None:
    assert not should_embed(None, policy)


def test_a_policy_from_configuration_is_case_and_space_insensitive() -> None:
    assert parse_policy(" ALL ") == "all"
    assert parse_policy("Signal") == "signal"


def test_an_unknown_policy_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown embedding policy 'strong'"):
        should_embed("signal", "strong")
