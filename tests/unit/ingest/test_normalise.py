"""Conversions every source shares: text flattening, placeholders, UTC, chat ids, event building."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.ingest.normalise import (
    NormaliseError,
    build_ingested,
    build_updated,
    chat_type_from_export,
    export_datetime,
    export_peer_id,
    flatten_text,
    make_author,
    marked_chat_id,
    placeholder,
    to_utc,
)
from shared.contracts.messages import Attachment, TextEntity

KYIV = timezone(timedelta(hours=2))


def test_plain_string_text_has_no_entities() -> None:
    assert flatten_text("hello") == ("hello", [])
    assert flatten_text(None) == ("", [])


def test_entity_list_is_flattened_with_offsets_in_utf16_units() -> None:
    text, entities = flatten_text(
        [
            "😀 see ",
            {"type": "text_link", "text": "docs", "href": "https://x.io"},
            " and ",
            {"type": "bold", "text": "Ґ"},
        ]
    )
    assert text == "😀 see docs and Ґ"
    # The emoji is two UTF-16 units, as in Telegram's own offsets.
    assert entities == [
        TextEntity(type="text_link", offset=7, length=4, url="https://x.io"),
        TextEntity(type="bold", offset=16, length=1),
    ]


def test_export_entity_names_become_bot_api_names() -> None:
    _, entities = flatten_text([{"type": "link", "text": "https://a.b"}, {"type": "phone", "text": "+380"}])
    assert [e.type for e in entities] == ["url", "phone_number"]


def test_plain_parts_and_empty_parts_make_no_entities() -> None:
    assert flatten_text([{"type": "plain", "text": "a"}, {"type": "bold", "text": ""}]) == ("a", [])


@pytest.mark.parametrize("value", [42, [1], [{"type": "bold", "text": 5}]])
def test_malformed_text_is_a_normalise_error(value: object) -> None:
    with pytest.raises(NormaliseError):
        flatten_text(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attachment", "expected"),
    [
        (Attachment(kind="photo"), "[photo]"),
        (Attachment(kind="sticker", emoji="😀"), "[sticker 😀]"),
        (Attachment(kind="sticker"), "[sticker]"),
        (Attachment(kind="voice"), "[voice message]"),
        (Attachment(kind="video_note"), "[video message]"),
        (Attachment(kind="document", file_name="report.pdf"), "[file report.pdf]"),
        (Attachment(kind="hologram"), "[hologram]"),
    ],
)
def test_media_placeholders(attachment: Attachment, expected: str) -> None:
    assert placeholder(attachment) == expected


def test_naive_datetimes_follow_the_stated_rule_and_aware_ones_are_converted() -> None:
    naive = datetime(2025, 3, 10, 9, 0)
    assert to_utc(naive) == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert to_utc(naive, naive_tz=KYIV) == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
    assert to_utc(datetime(2025, 3, 10, 9, 0, tzinfo=KYIV)) == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)


def test_export_unixtime_wins_over_the_local_date() -> None:
    # "date" is the exporting machine's wall clock (Kyiv); "date_unixtime" is exact.
    moment = export_datetime("1741590000", "2025-03-10T09:00:00")
    assert moment == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC
    assert export_datetime(None, "2025-03-10T09:00:00", naive_tz=KYIV) == moment


@pytest.mark.parametrize(("unixtime", "iso"), [(None, None), ("soon", None), (None, "yesterday")])
def test_unusable_dates_are_errors(unixtime: object, iso: object) -> None:
    with pytest.raises(NormaliseError):
        export_datetime(unixtime, iso)


@pytest.mark.parametrize(
    ("raw_id", "export_type", "marked"),
    [
        (1987654321, "private_supergroup", -1001987654321),
        (1987654321, "public_supergroup", -1001987654321),
        (1987654321, "private_channel", -1001987654321),
        (123, "public_channel", -1000000000123),  # arithmetic, not string concatenation
        (4242, "private_group", -4242),
        (5012345601, "personal_chat", 5012345601),
        (-1001987654321, "private_supergroup", -1001987654321),  # already marked
    ],
)
def test_export_chat_ids_become_bot_api_marked_ids(raw_id: int, export_type: str, marked: int) -> None:
    assert marked_chat_id(raw_id, chat_type_from_export(export_type)) == marked


def test_export_sender_ids() -> None:
    assert export_peer_id("user5012345601") == "5012345601"
    assert export_peer_id("channel1987654321") == "-1001987654321"
    assert export_peer_id(None) is None


def test_author_joins_names_and_drops_empty_values() -> None:
    author = make_author(7, first_name="Олена", last_name=" Коваль ", username="", language="uk")
    assert (author.source_user_id, author.display_name, author.username, author.language) == (
        "7",
        "Олена Коваль",
        None,
        "uk",
    )


def test_build_ingested_derives_key_language_placeholder_and_utc() -> None:
    event = build_ingested(
        channel="webhook",
        chat_id=-1001987654321,
        message_id=5,
        text="",
        attachments=[Attachment(kind="sticker", emoji="😀")],
        sent_at=datetime(2025, 3, 10, 9, 0, tzinfo=KYIV),
    )
    assert event.key == "telegram:-1001987654321:5"
    assert event.chat_id == "-1001987654321"
    assert event.text == "[sticker 😀]"
    assert event.language == "unknown"  # placeholders are not language
    assert event.sent_at == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)


def test_build_updated_uses_the_same_key_as_build_ingested() -> None:
    edit = build_updated(
        channel="live", chat_id="-1001987654321", message_id=5, text="Вже виправлено", edited_at=datetime(2025, 3, 10)
    )
    assert edit.key == "telegram:-1001987654321:5"
    assert edit.language == "uk"
    assert edit.edited_at.tzinfo is UTC
