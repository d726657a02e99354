"""Telegram Bot API `Update` (webhook body) → `MessageIngested`, `MessageUpdated` or `Ignored`.

The Bot API shapes are msgspec Structs: decoding is strict about the fields we use (a wrong type or a
missing required field is an `InvalidUpdate` naming the JSON path) and tolerant of fields we do not use,
because Telegram adds fields to every Bot API release. File ids and paths are never copied out: a file
URL embeds the bot token.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from services.ingest.normalise import (
    NormaliseError,
    build_ingested,
    build_updated,
    display_name,
    from_unix,
    make_author,
)
from shared.contracts.messages import Attachment, Author, MessageIngested, MessageUpdated, TextEntity

# msgspec cannot decode `Raw | None`; an empty Raw marks an absent field (a present one is never empty).
_ABSENT = msgspec.Raw()


class InvalidUpdate(ValueError):
    """The webhook body is not a usable Update; `reason` is safe to return to the caller (HTTP 400)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Ignored(msgspec.Struct, frozen=True, kw_only=True):
    """A valid update the ingest path does not store (callback queries, member changes, service messages…)."""

    update_id: int
    kind: str
    reason: str = "not a message update"


# --- Bot API shapes (only the fields ingest uses) -----------------------------------------------------


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class Chat(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class MessageEntity(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    offset: int
    length: int
    url: str | None = None


class PhotoSize(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    height: int
    file_size: int | None = None


class FileMedia(msgspec.Struct, frozen=True, kw_only=True):
    """document, audio, voice, video, video_note, animation: the metadata they share."""

    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    duration: int | None = None


class Sticker(msgspec.Struct, frozen=True, kw_only=True):
    emoji: str | None = None
    file_size: int | None = None
    is_animated: bool = False
    is_video: bool = False


class Poll(msgspec.Struct, frozen=True, kw_only=True):
    question: str


class MessageOrigin(msgspec.Struct, frozen=True, kw_only=True):
    type: Literal["user", "hidden_user", "chat", "channel"]
    date: int
    sender_user: User | None = None
    sender_user_name: str | None = None
    sender_chat: Chat | None = None
    chat: Chat | None = None
    author_signature: str | None = None


class ReplyTo(msgspec.Struct, frozen=True, kw_only=True):
    message_id: int


class Message(msgspec.Struct, frozen=True, kw_only=True, rename={"from_": "from"}):
    message_id: int
    date: int
    chat: Chat
    message_thread_id: int | None = None
    is_topic_message: bool = False
    from_: User | None = None
    sender_chat: Chat | None = None
    forward_origin: MessageOrigin | None = None
    forward_from: User | None = None  # pre-7.0 Bot API fields, still sent by some proxies/recordings
    forward_from_chat: Chat | None = None
    forward_sender_name: str | None = None
    reply_to_message: ReplyTo | None = None
    edit_date: int | None = None
    text: str | None = None
    entities: list[MessageEntity] = []
    caption: str | None = None
    caption_entities: list[MessageEntity] = []
    photo: list[PhotoSize] = []
    document: FileMedia | None = None
    audio: FileMedia | None = None
    voice: FileMedia | None = None
    video: FileMedia | None = None
    video_note: FileMedia | None = None
    animation: FileMedia | None = None
    sticker: Sticker | None = None
    poll: Poll | None = None
    location: msgspec.Raw = _ABSENT
    contact: msgspec.Raw = _ABSENT
    dice: msgspec.Raw = _ABSENT


_MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")
_OTHER_KINDS = (
    "business_connection", "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query",
    "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
    "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
)  # fmt: skip
# Service content in a "message" update (joins, pins, title changes): not chat content, like export "service".
_SERVICE_FIELDS = (
    "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
    "group_chat_created", "supergroup_chat_created", "pinned_message", "migrate_to_chat_id", "migrate_from_chat_id",
    "forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
    "video_chat_started", "video_chat_ended", "message_auto_delete_timer_changed", "chat_shared", "users_shared",
    "write_access_allowed",
)  # fmt: skip


class Update(msgspec.Struct, frozen=True, kw_only=True):
    update_id: int
    message: msgspec.Raw = _ABSENT
    edited_message: msgspec.Raw = _ABSENT
    channel_post: msgspec.Raw = _ABSENT
    edited_channel_post: msgspec.Raw = _ABSENT


_update_decoder = msgspec.json.Decoder(Update)
_message_decoder = msgspec.json.Decoder(Message)
_keys_decoder = msgspec.json.Decoder(dict[str, msgspec.Raw])


def _decode_error(exc: msgspec.DecodeError, kind: str) -> InvalidUpdate:
    if not isinstance(exc, msgspec.ValidationError):
        return InvalidUpdate(f"malformed JSON: {exc}")
    # The message part is decoded on its own, so msgspec's path starts at it: re-anchor it at the update.
    reason = str(exc)
    if not kind:
        return InvalidUpdate(reason)
    if " - at `$" in reason:
        return InvalidUpdate(reason.replace(" - at `$", f" - at `$.{kind}", 1))
    return InvalidUpdate(f"{reason} - at `$.{kind}`")


def parse_update(body: bytes) -> MessageIngested | MessageUpdated | Ignored:
    """Decode one webhook body; raises `InvalidUpdate` with a field-level reason when it cannot be used."""
    try:
        return _parse(body)
    except UnicodeDecodeError as exc:
        raise InvalidUpdate(f"not valid UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise InvalidUpdate("JSON nested too deeply") from None


def _parse(body: bytes) -> MessageIngested | MessageUpdated | Ignored:
    try:
        update = _update_decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise _decode_error(exc, "") from None
    for kind in _MESSAGE_KINDS:
        raw: msgspec.Raw = getattr(update, kind)
        if not raw:
            continue
        try:
            message = _message_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise _decode_error(exc, kind) from None
        try:
            return _convert(update.update_id, kind, message, bytes(raw))
        except NormaliseError as exc:
            raise InvalidUpdate(f"{exc} - at `$.{kind}`") from None
    keys = [key for key in _keys_decoder.decode(body) if key != "update_id"]
    known = [key for key in keys if key in _OTHER_KINDS]
    return Ignored(update_id=update.update_id, kind=(known or keys or ["empty"])[0])


def _convert(update_id: int, kind: str, message: Message, raw: bytes) -> MessageIngested | MessageUpdated | Ignored:
    text, entities = _text(message)
    attachments = _attachments(message)
    if not text and not attachments:
        keys = _keys_decoder.decode(raw)
        service = next((field for field in _SERVICE_FIELDS if field in keys), None)
        reason = f"service message ({service})" if service else "no text and no media"
        return Ignored(update_id=update_id, kind=kind, reason=reason)
    if kind.startswith("edited_"):
        if message.edit_date is None:
            raise InvalidUpdate(f"Object missing required field `edit_date` - at `$.{kind}`")
        return build_updated(
            channel="webhook",
            chat_id=message.chat.id,
            message_id=message.message_id,
            text=text,
            entities=entities,
            attachments=attachments,
            edited_at=from_unix(message.edit_date),
        )
    return build_ingested(
        channel="webhook",
        chat_id=message.chat.id,
        chat_title=_chat_title(message.chat),
        chat_type=message.chat.type,
        message_id=message.message_id,
        author=_author(message),
        text=text,
        entities=entities,
        attachments=attachments,
        reply_to_message_id=_reply_to(message),
        thread_id=message.message_thread_id,
        forwarded_from=_forwarded_from(message),
        sent_at=from_unix(message.date),
        edited_at=from_unix(message.edit_date) if message.edit_date else None,
    )


def _text(message: Message) -> tuple[str, list[TextEntity]]:
    if message.text is not None:
        text, raw_entities = message.text, message.entities
    else:
        text, raw_entities = message.caption or "", message.caption_entities
    return text, [TextEntity(type=e.type, offset=e.offset, length=e.length, url=e.url) for e in raw_entities]


def _attachments(message: Message) -> list[Attachment]:
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return [Attachment(kind="photo", size=largest.file_size)]
    if message.sticker is not None:
        return [Attachment(kind="sticker", emoji=message.sticker.emoji, size=message.sticker.file_size)]
    # animation before document: Telegram sends a GIF as both, and the animation is what users saw.
    for kind in ("animation", "voice", "video_note", "video", "audio", "document"):
        media: FileMedia | None = getattr(message, kind)
        if media is not None:
            return [Attachment(kind=kind, file_name=media.file_name, mime_type=media.mime_type, size=media.file_size)]
    if message.poll is not None:
        return [Attachment(kind="poll")]
    for kind in ("location", "contact", "dice"):
        if getattr(message, kind):
            return [Attachment(kind=kind)]
    return []


def _chat_title(chat: Chat) -> str | None:
    return chat.title or display_name(chat.first_name, chat.last_name) or chat.username


def _author(message: Message) -> Author | None:
    # sender_chat wins: for anonymous admins and channel posts "from" is a placeholder bot, not the author.
    if message.sender_chat is not None:
        chat = message.sender_chat
        return Author(source_user_id=str(chat.id), display_name=_chat_title(chat) or "", username=chat.username)
    user = message.from_
    if user is None:
        return None
    return make_author(
        user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        is_bot=user.is_bot,
        language=user.language_code,
    )


def _reply_to(message: Message) -> int | None:
    reply = message.reply_to_message
    if reply is None:
        return None
    # In forum topics Telegram points reply_to_message at the topic's opening message even when the user
    # did not reply; that is the thread, not a reply.
    if message.is_topic_message and reply.message_id == message.message_thread_id:
        return None
    return reply.message_id


def _forwarded_from(message: Message) -> str | None:
    origin = message.forward_origin
    if origin is not None:
        if origin.type == "user" and origin.sender_user is not None:
            return display_name(origin.sender_user.first_name, origin.sender_user.last_name)
        if origin.type == "hidden_user":
            return origin.sender_user_name
        chat = origin.sender_chat if origin.type == "chat" else origin.chat
        return _chat_title(chat) if chat is not None else None
    if message.forward_from is not None:
        return display_name(message.forward_from.first_name, message.forward_from.last_name)
    if message.forward_from_chat is not None:
        return _chat_title(message.forward_from_chat)
    return message.forward_sender_name
