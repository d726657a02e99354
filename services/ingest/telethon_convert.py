"""Telethon (MTProto) objects → `MessageIngested` / `MessageUpdated` for the live listener and backfill.

`events.NewMessage` and `events.MessageEdited` carry the same `types.Message`, so one converter serves
both. Chat ids go through `telethon.utils.get_peer_id`, which yields the Bot API's marked ids (-100… for
supergroups and channels) — the same natural key as the webhook and the export.
"""

from __future__ import annotations

import re
from typing import Any

from telethon import types, utils

from services.ingest.normalise import NormaliseError, build_ingested, build_updated, display_name, make_author
from shared.contracts.messages import Attachment, Author, Channel, MessageIngested, MessageUpdated, TextEntity
from shared.logging import get_logger

log = get_logger(__name__)

# MTProto class names whose Bot API name is not simply the snake_case of the class name.
_ENTITY_NAMES = {
    "TextUrl": "text_link",
    "MentionName": "text_mention",
    "Phone": "phone_number",
    "Strike": "strikethrough",
}
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def entity_type_name(entity: types.TypeMessageEntity) -> str:
    """`MessageEntityTextUrl` → "text_link": the Bot API vocabulary every source uses."""
    name = type(entity).__name__.removeprefix("Input").removeprefix("MessageEntity")
    return _ENTITY_NAMES.get(name) or _CAMEL_RE.sub("_", name).lower()


def convert_entities(entities: list[types.TypeMessageEntity] | None) -> list[TextEntity]:
    # MTProto offsets are UTF-16 code units, the same unit the contract uses: no conversion.
    return [
        TextEntity(type=entity_type_name(e), offset=e.offset, length=e.length, url=getattr(e, "url", None))
        for e in entities or []
    ]


def chat_type(chat: Any) -> str | None:
    """Telethon entity → Bot API chat type."""
    if isinstance(chat, types.User):
        return "private"
    if isinstance(chat, (types.Chat, types.ChatForbidden)):
        return "group"
    if isinstance(chat, (types.Channel, types.ChannelForbidden)):
        return "supergroup" if getattr(chat, "megagroup", False) else "channel"
    return None


def chat_title(chat: Any) -> str | None:
    if isinstance(chat, types.User):
        return display_name(chat.first_name, chat.last_name) or chat.username
    return getattr(chat, "title", None)


def author_from(entity: Any, peer: types.TypePeer | None) -> Author | None:
    """Sender entity (User or Channel) → Author; with only the peer known, an Author without a name."""
    if isinstance(entity, types.User):
        return make_author(
            entity.id,
            first_name=entity.first_name,
            last_name=entity.last_name,
            username=entity.username,
            is_bot=bool(entity.bot),
            language=entity.lang_code,
        )
    if isinstance(entity, (types.Channel, types.Chat)):
        return Author(
            source_user_id=str(utils.get_peer_id(entity)),
            display_name=entity.title,
            username=getattr(entity, "username", None),
        )
    if peer is not None:
        return Author(source_user_id=str(utils.get_peer_id(peer)))
    return None


def attachments_of(media: types.TypeMessageMedia | None) -> list[Attachment]:
    if isinstance(media, types.MessageMediaPhoto):
        return [Attachment(kind="photo")]
    if isinstance(media, types.MessageMediaDocument) and isinstance(media.document, types.Document):
        return [_document(media.document)]
    for media_type, kind in (
        (types.MessageMediaPoll, "poll"),
        (types.MessageMediaGeo, "location"),
        (types.MessageMediaGeoLive, "location"),
        (types.MessageMediaVenue, "location"),
        (types.MessageMediaContact, "contact"),
        (types.MessageMediaDice, "dice"),
    ):
        if isinstance(media, media_type):
            return [Attachment(kind=kind)]
    return []  # web page previews and empty media are not attachments


def _document(document: types.Document) -> Attachment:
    kind, file_name, emoji = "document", None, None
    for attribute in document.attributes:
        if isinstance(attribute, types.DocumentAttributeFilename):
            file_name = attribute.file_name
        elif isinstance(attribute, types.DocumentAttributeSticker):
            kind, emoji = "sticker", attribute.alt or None
        elif isinstance(attribute, types.DocumentAttributeAudio) and kind == "document":
            kind = "voice" if attribute.voice else "audio"
        elif isinstance(attribute, types.DocumentAttributeVideo) and kind in ("document", "animation"):
            kind = "video_note" if attribute.round_message else ("animation" if kind == "animation" else "video")
        elif isinstance(attribute, types.DocumentAttributeAnimated) and kind in ("document", "video"):
            kind = "animation"
    return Attachment(kind=kind, file_name=file_name, mime_type=document.mime_type, size=document.size, emoji=emoji)


def _reply_and_thread(reply: Any) -> tuple[int | None, int | None]:
    if not isinstance(reply, types.MessageReplyHeader):
        return None, None
    if reply.forum_topic and reply.reply_to_top_id is None:
        # A plain message in a forum topic: reply_to_msg_id is the topic, not a replied-to message.
        return None, reply.reply_to_msg_id
    return reply.reply_to_msg_id, reply.reply_to_top_id


def _forwarded_from(header: types.MessageFwdHeader | None, entities: dict[int, Any]) -> str | None:
    if header is None:
        return None
    if header.from_name:
        return header.from_name
    if header.from_id is not None:
        origin = entities.get(utils.get_peer_id(header.from_id))
        return chat_title(origin) or header.post_author or str(utils.get_peer_id(header.from_id))
    return header.post_author


def to_ingested(
    message: types.TypeMessage,
    *,
    channel: Channel = "live",
    chat: Any = None,
    sender: Any = None,
    entities: dict[int, Any] | None = None,
    job_id: str | None = None,
) -> MessageIngested | None:
    """One Telethon message → `MessageIngested`; None for service messages (joins, pins) and empty ones.

    `chat` and `sender` default to what the Telethon client attached to a live message; `entities` maps
    marked peer ids to User/Chat/Channel for naming forward origins.
    """
    if not isinstance(message, types.Message):
        return None
    chat = chat if chat is not None else getattr(message, "chat", None)
    sender = sender if sender is not None else getattr(message, "sender", None)
    attachments = attachments_of(message.media)
    text = message.message or ""
    if not text.strip() and not attachments:
        return None
    # Channel posts have no from_id: the channel itself is the author, as in the Bot API (sender_chat).
    sender_peer = message.from_id or (message.peer_id if message.post else None)
    try:
        return _build_ingested(message, channel, chat, sender, sender_peer, text, attachments, entities, job_id)
    except NormaliseError as exc:  # nothing Telegram sends should land here; skip it, loudly
        log.warning("telegram_message_skipped", message_id=message.id, reason=str(exc))
        return None


def _build_ingested(
    message: types.Message,
    channel: Channel,
    chat: Any,
    sender: Any,
    sender_peer: Any,
    text: str,
    attachments: list[Attachment],
    entities: dict[int, Any] | None,
    job_id: str | None,
) -> MessageIngested:
    reply_to, thread_id = _reply_and_thread(message.reply_to)
    return build_ingested(
        channel=channel,
        chat_id=utils.get_peer_id(message.peer_id),
        chat_title=chat_title(chat) if chat is not None else None,
        chat_type=chat_type(chat),
        message_id=message.id,
        author=author_from(sender if sender is not None else (chat if message.post else None), sender_peer),
        text=text,
        entities=convert_entities(message.entities),
        attachments=attachments,
        reply_to_message_id=reply_to,
        thread_id=thread_id,
        forwarded_from=_forwarded_from(message.fwd_from, entities or {}),
        sent_at=message.date,
        edited_at=message.edit_date,
        job_id=job_id,
    )


def to_updated(message: types.TypeMessage, *, channel: Channel = "live") -> MessageUpdated | None:
    """An edited Telethon message → `MessageUpdated`; None when it is no visible edit.

    Telegram raises edit events for reactions and view counters too; those carry `edit_hide` or no
    `edit_date` and change nothing a reader sees.
    """
    if not isinstance(message, types.Message) or message.edit_hide or message.edit_date is None:
        return None
    try:
        return build_updated(
            channel=channel,
            chat_id=utils.get_peer_id(message.peer_id),
            message_id=message.id,
            text=message.message or "",
            entities=convert_entities(message.entities),
            attachments=attachments_of(message.media),
            edited_at=message.edit_date,
        )
    except NormaliseError as exc:
        log.warning("telegram_edit_skipped", message_id=message.id, reason=str(exc))
        return None
