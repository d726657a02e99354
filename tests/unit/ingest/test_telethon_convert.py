"""Telethon conversion on real TL objects built offline, and the backfill source over a stand-in client."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from telethon import types

from services.ingest.bot_updates import parse_update
from services.ingest.export_reader import read_export
from services.ingest.source import HistorySource, TelethonHistorySource
from services.ingest.telethon_convert import entity_type_name, to_ingested, to_updated
from shared.contracts.messages import MessageIngested

SENT = datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
GROUP = types.Channel(id=1987654321, title="Kvitka Mobile", photo=types.ChatPhotoEmpty(), date=SENT, megagroup=True)
STATUS = types.Channel(id=2000000001, title="Kvitka Status", photo=types.ChatPhotoEmpty(), date=SENT, broadcast=True)
OLENA = types.User(id=5012345601, first_name="Олена", last_name="Коваль", username="olena_k", lang_code="uk")


def message(id_: int = 42, text: str = "Реліз у пʼятницю", **extra: Any) -> types.Message:
    fields: dict[str, Any] = {
        "peer_id": types.PeerChannel(1987654321),
        "date": SENT,
        "from_id": types.PeerUser(5012345601),
    }
    return types.Message(id=id_, message=text, **{**fields, **extra})


def document(*attributes: Any, mime: str = "application/octet-stream") -> types.MessageMediaDocument:
    doc = types.Document(
        id=1,
        access_hash=2,
        file_reference=b"",
        date=SENT,
        mime_type=mime,
        size=2048,
        dc_id=2,
        attributes=list(attributes),
    )
    return types.MessageMediaDocument(document=doc)


def test_supergroup_message_with_entities_reply_and_author() -> None:
    msg = message(
        text="Дивлюсь, PR #812",
        reply_to=types.MessageReplyHeader(reply_to_msg_id=41),
        entities=[
            types.MessageEntityBold(offset=0, length=7),
            types.MessageEntityTextUrl(offset=9, length=7, url="https://git.kvitka.dev/812"),
        ],
    )
    event = to_ingested(msg, chat=GROUP, sender=OLENA)
    assert isinstance(event, MessageIngested)
    assert event.key == "telegram:-1001987654321:42"
    assert (event.channel, event.chat_type, event.chat_title) == ("live", "supergroup", "Kvitka Mobile")
    assert event.reply_to_message_id == 41 and event.thread_id is None
    assert [(e.type, e.offset, e.length, e.url) for e in event.entities] == [
        ("bold", 0, 7, None),
        ("text_link", 9, 7, "https://git.kvitka.dev/812"),
    ]
    assert event.author is not None
    assert (event.author.source_user_id, event.author.display_name, event.author.language) == (
        "5012345601",
        "Олена Коваль",
        "uk",
    )
    assert event.sent_at == SENT and event.language == "uk"


def test_sender_unknown_gives_an_author_with_only_the_id() -> None:
    event = to_ingested(message(), channel="backfill", job_id="job-1")
    assert event is not None and event.author is not None
    assert (event.author.source_user_id, event.author.display_name) == ("5012345601", "")
    assert (event.channel, event.job_id, event.chat_title) == ("backfill", "job-1", None)


def test_channel_post_author_is_the_channel() -> None:
    post = types.Message(id=7, peer_id=types.PeerChannel(2000000001), date=SENT, message="Maintenance", post=True)
    event = to_ingested(post, chat=STATUS)
    assert event is not None and event.author is not None
    assert event.chat_type == "channel" and event.author.source_user_id == "-1002000000001"


def test_forum_topic_message_has_a_thread_but_no_reply() -> None:
    plain = to_ingested(message(reply_to=types.MessageReplyHeader(forum_topic=True, reply_to_msg_id=10)))
    reply = to_ingested(
        message(reply_to=types.MessageReplyHeader(forum_topic=True, reply_to_msg_id=15, reply_to_top_id=10))
    )
    assert plain is not None and reply is not None
    assert (plain.reply_to_message_id, plain.thread_id) == (None, 10)
    assert (reply.reply_to_message_id, reply.thread_id) == (15, 10)


def test_forward_is_named_from_the_header_or_the_known_entity() -> None:
    by_name = to_ingested(message(fwd_from=types.MessageFwdHeader(date=SENT, from_name="Anon")))
    by_peer = to_ingested(
        message(fwd_from=types.MessageFwdHeader(date=SENT, from_id=types.PeerChannel(2000000001))),
        entities={-1002000000001: STATUS},
    )
    assert by_name is not None and by_name.forwarded_from == "Anon"
    assert by_peer is not None and by_peer.forwarded_from == "Kvitka Status"


def test_media_without_text_gets_placeholder_and_metadata() -> None:
    photo = types.MessageMediaPhoto(
        photo=types.Photo(id=1, access_hash=2, file_reference=b"", date=SENT, sizes=[], dc_id=2)
    )
    cases = {
        "[photo]": photo,
        "[sticker 😀]": document(types.DocumentAttributeSticker(alt="😀", stickerset=types.InputStickerSetEmpty())),
        "[voice message]": document(types.DocumentAttributeAudio(duration=3, voice=True), mime="audio/ogg"),
        "[video message]": document(types.DocumentAttributeVideo(duration=5, w=240, h=240, round_message=True)),
        "[file rc1.pdf]": document(types.DocumentAttributeFilename(file_name="rc1.pdf"), mime="application/pdf"),
        "[GIF]": document(types.DocumentAttributeVideo(duration=1, w=1, h=1), types.DocumentAttributeAnimated()),
    }
    for expected, media in cases.items():
        event = to_ingested(message(text="", media=media))
        assert event is not None and event.text == expected, expected
    pdf = to_ingested(message(text="Звіт", media=cases["[file rc1.pdf]"]))
    assert pdf is not None and pdf.text == "Звіт"
    assert (pdf.attachments[0].mime_type, pdf.attachments[0].size) == ("application/pdf", 2048)


def test_service_and_empty_messages_are_not_ingested() -> None:
    join = types.MessageService(
        id=3, peer_id=types.PeerChannel(1987654321), date=SENT, action=types.MessageActionChatJoinedByLink(inviter_id=1)
    )
    assert to_ingested(join) is None
    assert to_ingested(message(text="")) is None


def test_edit_becomes_message_updated_and_hidden_edits_are_dropped() -> None:
    edited_at = SENT + timedelta(minutes=5)
    edit = to_updated(message(text="Вже виправлено", edit_date=edited_at))
    assert edit is not None
    assert (edit.key, edit.edited_at, edit.channel) == ("telegram:-1001987654321:42", edited_at, "live")
    assert to_updated(message(edit_date=edited_at, edit_hide=True)) is None  # reactions, not a text edit
    assert to_updated(message()) is None


def test_entity_names_follow_the_bot_api() -> None:
    assert entity_type_name(types.MessageEntityStrike(offset=0, length=1)) == "strikethrough"
    assert entity_type_name(types.MessageEntityMentionName(offset=0, length=1, user_id=1)) == "text_mention"
    assert entity_type_name(types.MessageEntityBotCommand(offset=0, length=1)) == "bot_command"
    assert entity_type_name(types.MessageEntityPhone(offset=0, length=1)) == "phone_number"


def test_live_webhook_and_export_agree_on_the_natural_key() -> None:
    live = to_ingested(message(), chat=GROUP, sender=OLENA)
    webhook = parse_update(
        json.dumps(
            {"update_id": 1, "message": {"message_id": 42, "date": 1741590000, "text": "Реліз у пʼятницю",
             "chat": {"id": -1001987654321, "type": "supergroup", "title": "Kvitka Mobile"},
             "from": {"id": 5012345601, "is_bot": False, "first_name": "Олена"}}}
        ).encode()
    )  # fmt: skip
    export = {"name": "Kvitka Mobile", "type": "private_supergroup", "id": 1987654321,
              "messages": [{"id": 42, "type": "message", "date_unixtime": "1741590000", "text": "x"}]}  # fmt: skip
    [exported] = list(read_export(io.BytesIO(json.dumps(export).encode())))
    assert isinstance(webhook, MessageIngested) and isinstance(exported, MessageIngested) and live is not None
    assert live.key == webhook.key == exported.key
    assert live.chat_type == webhook.chat_type == exported.chat_type == "supergroup"


class StandInClient:
    """Just the two TelegramClient calls TelethonHistorySource makes, over a fixed history."""

    def __init__(self, history: list[types.TypeMessage]) -> None:
        self.history = history
        self.calls: list[dict[str, Any]] = []

    async def get_entity(self, peer: int | str) -> Any:
        self.calls.append({"get_entity": peer})
        return GROUP

    async def iter_messages(self, entity: Any, **kwargs: Any) -> AsyncIterator[types.TypeMessage]:
        self.calls.append(kwargs)
        for item in self.history[: kwargs.get("limit")]:
            yield item


async def test_telethon_history_source_batches_oldest_first_and_stops_at_until() -> None:
    history: list[types.TypeMessage] = [
        message(i, f"повідомлення {i}", date=SENT + timedelta(minutes=i)) for i in range(1, 8)
    ]
    history.insert(
        2,
        types.MessageService(
            id=100, peer_id=types.PeerChannel(1987654321), date=SENT, action=types.MessageActionPinMessage()
        ),
    )
    client = StandInClient(history)
    source: HistorySource = TelethonHistorySource(client, job_id="job-7")
    batches = [
        batch
        async for batch in source.iter_history(
            "-1001987654321", since=SENT, until=SENT + timedelta(minutes=6), batch_size=2
        )
    ]
    assert [[m.message_id for m in batch] for batch in batches] == [[1, 2], [3, 4], [5]]
    assert all(
        m.channel == "backfill" and m.job_id == "job-7" and m.chat_title == "Kvitka Mobile" for b in batches for m in b
    )
    assert client.calls[0] == {"get_entity": -1001987654321}
    assert client.calls[1]["reverse"] is True and client.calls[1]["offset_date"] == SENT
