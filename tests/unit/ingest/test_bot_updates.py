"""Bot API webhook updates: each kind, strict field-level errors, and keys shared with the export."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from services.ingest.bot_updates import Ignored, InvalidUpdate, parse_update
from services.ingest.export_reader import read_export
from shared.contracts.messages import MessageIngested, MessageUpdated

SUPERGROUP = {"id": -1001987654321, "title": "Kvitka Mobile", "type": "supergroup"}
CHANNEL = {"id": -1002000000001, "title": "Kvitka Status", "type": "channel", "username": "kvitka_status"}
OLENA = {
    "id": 5012345601,
    "is_bot": False,
    "first_name": "Олена",
    "last_name": "Коваль",
    "username": "olena_k",
    "language_code": "uk",
}
FILE_ID = "AgACAgIAAxkBAAIBZ2XvSECRET"  # file ids must never be copied into events


def update(kind: str = "message", **message: Any) -> bytes:
    body = {"message_id": 42, "from": OLENA, "chat": SUPERGROUP, "date": 1741590000, **message}
    return json.dumps({"update_id": 901234567, kind: body}).encode()


def test_message_with_text_entities_reply_and_thread() -> None:
    reply_to = {"message_id": 41, "from": OLENA, "chat": SUPERGROUP, "date": 1741589000, "text": "Білд впав"}
    event = parse_update(
        update(
            text="Дивлюсь, див. https://ci.kvitka.dev/1",
            entities=[{"type": "url", "offset": 14, "length": 22}],
            reply_to_message=reply_to,
            message_thread_id=41,
        )
    )
    assert isinstance(event, MessageIngested)
    assert event.key == "telegram:-1001987654321:42"
    assert (event.channel, event.chat_title, event.chat_type) == ("webhook", "Kvitka Mobile", "supergroup")
    assert event.author is not None
    assert (event.author.source_user_id, event.author.display_name, event.author.username) == (
        "5012345601",
        "Олена Коваль",
        "olena_k",
    )
    assert event.author.language == "uk" and not event.author.is_bot
    assert event.reply_to_message_id == 41 and event.thread_id == 41
    assert event.entities[0].type == "url" and event.entities[0].offset == 14
    assert event.sent_at == datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
    assert event.language == "uk"


def test_edited_message_becomes_message_updated() -> None:
    event = parse_update(update("edited_message", text="Вже виправлено", edit_date=1741590300))
    assert isinstance(event, MessageUpdated)
    assert event.key == "telegram:-1001987654321:42"
    assert event.edited_at == datetime(2025, 3, 10, 7, 5, tzinfo=UTC)
    assert event.channel == "webhook"


def test_channel_post_author_is_the_channel() -> None:
    body = {"message_id": 7, "sender_chat": CHANNEL, "chat": CHANNEL, "date": 1741590000, "text": "Maintenance"}
    event = parse_update(json.dumps({"update_id": 1, "channel_post": body}).encode())
    assert isinstance(event, MessageIngested)
    assert event.key == "telegram:-1002000000001:7" and event.chat_type == "channel"
    assert event.author is not None and event.author.source_user_id == "-1002000000001"
    edited = parse_update(
        json.dumps({"update_id": 2, "edited_channel_post": {**body, "edit_date": 1741590600}}).encode()
    )
    assert isinstance(edited, MessageUpdated) and edited.key == event.key


def test_photo_with_caption_keeps_caption_and_size_but_no_file_id() -> None:
    photo = [
        {"file_id": FILE_ID, "file_unique_id": "u1", "width": 90, "height": 67, "file_size": 1200},
        {"file_id": FILE_ID, "file_unique_id": "u2", "width": 1170, "height": 2532, "file_size": 183204},
    ]
    body = update(
        photo=photo, caption="Баланс не оновлюється", caption_entities=[{"type": "bold", "offset": 0, "length": 6}]
    )
    event = parse_update(body)
    assert isinstance(event, MessageIngested)
    assert event.text == "Баланс не оновлюється" and event.entities[0].type == "bold"
    assert event.attachments[0].kind == "photo" and event.attachments[0].size == 183204
    assert FILE_ID.encode() not in msgspec.json.encode(event)


@pytest.mark.parametrize(
    ("media", "text", "kind"),
    [
        ({"sticker": {"file_id": FILE_ID, "file_unique_id": "s", "type": "regular", "width": 512, "height": 512,
                      "is_animated": False, "is_video": False, "emoji": "😂"}}, "[sticker 😂]", "sticker"),
        ({"voice": {"file_id": FILE_ID, "file_unique_id": "v", "duration": 4, "mime_type": "audio/ogg"}},
         "[voice message]", "voice"),
        ({"document": {"file_id": FILE_ID, "file_unique_id": "d", "file_name": "rc1.pdf",
                       "mime_type": "application/pdf", "file_size": 48213}}, "[file rc1.pdf]", "document"),
        ({"animation": {"file_id": FILE_ID, "file_unique_id": "a", "width": 1, "height": 1, "duration": 1},
          "document": {"file_id": FILE_ID, "file_unique_id": "a"}}, "[GIF]", "animation"),
    ],
)  # fmt: skip
def test_media_without_text_gets_a_placeholder(media: dict[str, Any], text: str, kind: str) -> None:
    event = parse_update(update(**media))
    assert isinstance(event, MessageIngested)
    assert (event.text, event.attachments[0].kind) == (text, kind)
    assert FILE_ID.encode() not in msgspec.json.encode(event)


@pytest.mark.parametrize(
    ("forward", "expected"),
    [
        ({"forward_origin": {"type": "user", "date": 1, "sender_user": OLENA}}, "Олена Коваль"),
        ({"forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "Anon"}}, "Anon"),
        ({"forward_origin": {"type": "channel", "date": 1, "chat": CHANNEL, "message_id": 3}}, "Kvitka Status"),
        ({"forward_from": OLENA, "forward_date": 1}, "Олена Коваль"),  # before Bot API 7.0
    ],
)
def test_forward_origin_is_named(forward: dict[str, Any], expected: str) -> None:
    event = parse_update(update(text="fwd", **forward))
    assert isinstance(event, MessageIngested) and event.forwarded_from == expected


def test_plain_message_in_a_forum_topic_is_not_a_reply() -> None:
    topic_root = {"message_id": 10, "chat": SUPERGROUP, "date": 1, "forum_topic_created": {"name": "Releases"}}
    event = parse_update(
        update(text="rc1 готовий", is_topic_message=True, message_thread_id=10, reply_to_message=topic_root)
    )
    assert isinstance(event, MessageIngested)
    assert (event.reply_to_message_id, event.thread_id) == (None, 10)


def test_anonymous_admin_is_attributed_to_the_group_not_the_placeholder_bot() -> None:
    bot = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    event = parse_update(update(text="Оголошення", sender_chat=SUPERGROUP, **{"from": bot}))
    assert isinstance(event, MessageIngested) and event.author is not None
    assert event.author.source_user_id == "-1001987654321"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"update_id": 1, "callback_query": {"id": "1", "from": OLENA, "chat_instance": "x"}}, "callback_query"),
        ({"update_id": 2, "my_chat_member": {"chat": SUPERGROUP}}, "my_chat_member"),
        ({"update_id": 3, "something_new": {}}, "something_new"),
    ],
)
def test_other_update_kinds_are_ignored_with_their_kind(body: dict[str, Any], kind: str) -> None:
    result = parse_update(json.dumps(body).encode())
    assert isinstance(result, Ignored) and result.kind == kind and result.update_id == body["update_id"]


def test_service_message_is_ignored_with_the_reason() -> None:
    result = parse_update(update(new_chat_members=[OLENA]))
    assert isinstance(result, Ignored)
    assert (result.kind, result.reason) == ("message", "service message (new_chat_members)")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"update_id": 1, "message": {', "malformed JSON: Input data was truncated"),
        (b"[]", "Expected `object`, got `array`"),
        (b'{"message": {}}', "Object missing required field `update_id`"),
        (update(chat=None), "Expected `object`, got `null` - at `$.message.chat`"),
        (update(chat={**SUPERGROUP, "id": "-100"}), "Expected `int`, got `str` - at `$.message.chat.id`"),
        (update(chat={**SUPERGROUP, "type": "guild"}), "Invalid enum value 'guild' - at `$.message.chat.type`"),
        (json.dumps({"update_id": 1, "message": {"chat": SUPERGROUP, "date": 1}}).encode(),
         "Object missing required field `message_id` - at `$.message`"),
        (update("edited_message", text="x"), "Object missing required field `edit_date` - at `$.edited_message`"),
    ],
)  # fmt: skip
def test_malformed_updates_raise_with_a_field_level_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidUpdate) as caught:
        parse_update(body)
    assert reason in caught.value.reason


def test_export_and_webhook_of_the_same_message_give_the_same_natural_key() -> None:
    export = {
        "name": "Kvitka Mobile",
        "type": "private_supergroup",
        "id": 1987654321,  # Telegram Desktop writes the bare id
        "messages": [{"id": 42, "type": "message", "date_unixtime": "1741590000", "from": "Олена Коваль",
                      "from_id": "user5012345601", "text": "Реліз у пʼятницю"}],
    }  # fmt: skip
    [from_export] = list(read_export(io.BytesIO(json.dumps(export).encode())))
    from_webhook = parse_update(update(text="Реліз у пʼятницю"))
    assert isinstance(from_export, MessageIngested) and isinstance(from_webhook, MessageIngested)
    assert from_export.key == from_webhook.key == "telegram:-1001987654321:42"
    assert from_export.author is not None and from_webhook.author is not None
    assert from_export.author.source_user_id == from_webhook.author.source_user_id
    assert (from_export.sent_at, from_export.chat_type) == (from_webhook.sent_at, from_webhook.chat_type)
