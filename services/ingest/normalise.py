"""Pure conversions shared by every Telegram source (export, webhook, live, backfill).

Every source ends in the same `MessageIngested` / `MessageUpdated`, so the rules that must agree across
sources — text flattening, entity offsets, placeholders, UTC, chat ids, authors — live here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import msgspec

from services.ingest.language import detect_language
from shared.contracts.messages import (
    Attachment,
    Author,
    Channel,
    MessageIngested,
    MessageUpdated,
    TextEntity,
    natural_key,
)
from shared.storable import INT64_MAX, storable_text

SOURCE = "telegram"

# Entity types use the Bot API vocabulary; Telegram Desktop export and MTProto names are mapped onto it.
_EXPORT_ENTITY_TYPES = {
    "link": "url",
    "phone": "phone_number",
    "mention_name": "text_mention",
    "strike": "strikethrough",
}

_PLACEHOLDERS = {
    "photo": "[photo]",
    "video": "[video]",
    "video_note": "[video message]",
    "voice": "[voice message]",
    "audio": "[audio]",
    "animation": "[GIF]",
    "document": "[file]",
    "sticker": "[sticker]",
    "location": "[location]",
    "contact": "[contact]",
    "poll": "[poll]",
    "dice": "[dice]",
    "game": "[game]",
}


class NormaliseError(ValueError):
    """A source value that cannot be turned into the message model; the text says which and why."""


# Telegram caps a message at 4,096 characters (a caption at 1,024, 4,096 with Premium). Anything far beyond that
# is not a Telegram message, and it would not fit a NATS message (8 MB) either.
MAX_TEXT_CHARS = 65_536


def storable(event: Any) -> Any:
    """Every string in a message event made storable (see shared/text.py).

    Telegram text is Unicode from people's devices: a NUL or a broken surrogate pair in it is not a reason to
    lose the message, so they are removed (NUL) or replaced with U+FFFD rather than refused.
    """
    if isinstance(event, str):
        return storable_text(event)
    if isinstance(event, list):
        return [storable(item) for item in event]
    if isinstance(event, msgspec.Struct):
        changes = {}
        for name in event.__struct_fields__:
            value = getattr(event, name)
            if isinstance(value, (str, list, msgspec.Struct)):
                fixed = storable(value)
                if fixed is not value and fixed != value:
                    changes[name] = fixed
        return msgspec.structs.replace(event, **changes) if changes else event
    return event


def check_limits(text: str, **ids: int | None) -> None:
    """What no Telegram message has: a text beyond MAX_TEXT_CHARS, an id beyond 64 bits."""
    if len(text) > MAX_TEXT_CHARS:
        raise NormaliseError(f"text of {len(text):,} characters (Telegram allows 4,096; limit {MAX_TEXT_CHARS:,})")
    for name, value in ids.items():
        if value is not None and not -INT64_MAX <= value <= INT64_MAX:
            raise NormaliseError(f"{name} {value} is beyond 64 bits")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units — the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def entity_type(name: str) -> str:
    """Map an export/MTProto entity type name onto the Bot API name."""
    return _EXPORT_ENTITY_TYPES.get(name, name)


def flatten_text(value: str | Sequence[str | Mapping[str, Any]] | None) -> tuple[str, list[TextEntity]]:
    """Telegram export text (a string, or a list of strings and {"type", "text", …} parts) → (text, entities).

    Offsets are in UTF-16 code units, like the Bot API and MTProto, so one message gives the same
    entities whichever source delivered it.
    """
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if not isinstance(value, Sequence):
        raise NormaliseError(f"text must be a string or a list, got {type(value).__name__}")
    parts: list[str] = []
    entities: list[TextEntity] = []
    offset = 0
    for index, part in enumerate(value):
        if isinstance(part, str):
            chunk, kind, url = part, "plain", None
        elif isinstance(part, Mapping):
            chunk = part.get("text", "")
            if not isinstance(chunk, str):
                raise NormaliseError(f"text[{index}].text must be a string")
            kind = str(part.get("type", "plain"))
            url = part.get("href") if isinstance(part.get("href"), str) else None
        else:
            raise NormaliseError(f"text[{index}] must be a string or an object, got {type(part).__name__}")
        length = utf16_len(chunk)
        if kind != "plain" and length:
            entities.append(TextEntity(type=entity_type(kind), offset=offset, length=length, url=url))
        parts.append(chunk)
        offset += length
    return "".join(parts), entities


def placeholder(attachment: Attachment) -> str:
    """Text shown for a message that has media but no text or caption, e.g. "[sticker 😀]"."""
    base = _PLACEHOLDERS.get(attachment.kind, f"[{attachment.kind}]")
    if attachment.kind == "sticker" and attachment.emoji:
        return f"[sticker {attachment.emoji}]"
    if attachment.kind == "document" and attachment.file_name:
        return f"[file {attachment.file_name}]"
    return base


def message_text(
    text: str, entities: list[TextEntity], attachments: Sequence[Attachment]
) -> tuple[str, list[TextEntity]]:
    """Text, else caption (the caller passes it as text), else a placeholder for the first attachment."""
    if text.strip() or not attachments:
        return text, entities
    return placeholder(attachments[0]), []


def from_unix(value: int | float | str) -> datetime:
    """Unix seconds (Bot API `date`, export `date_unixtime`) → aware UTC datetime."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise NormaliseError(f"not a unix timestamp: {value!r}") from exc


def to_utc(value: datetime, *, naive_tz: tzinfo = UTC) -> datetime:
    """Aware → converted to UTC. Naive → read as wall time in `naive_tz` (the caller states the rule).

    Telegram Desktop writes export "date" in the exporting machine's local time without an offset,
    so the default (UTC) is only right when no better clue exists; prefer "date_unixtime".
    """
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=naive_tz)
    return value.astimezone(UTC)


def export_datetime(unixtime: object, iso: object, *, naive_tz: tzinfo = UTC) -> datetime:
    """Export timestamps: "date_unixtime" when present (exact), else the naive "date" read in `naive_tz`."""
    if unixtime not in (None, ""):
        return from_unix(unixtime)  # type: ignore[arg-type]
    if isinstance(iso, str) and iso:
        try:
            return to_utc(datetime.fromisoformat(iso), naive_tz=naive_tz)
        except ValueError as exc:
            raise NormaliseError(f"not an ISO date: {iso!r}") from exc
    raise NormaliseError("no date")


def display_name(*names: str | None) -> str:
    return " ".join(name.strip() for name in names if name and name.strip())


def make_author(
    source_user_id: int | str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
    language: str | None = None,
) -> Author:
    """One author shape for every source; names are joined the way Telegram clients show them."""
    return Author(
        source_user_id=str(source_user_id),
        display_name=display_name(first_name, last_name),
        username=username or None,
        is_bot=is_bot,
        language=language or None,
    )


def build_ingested(
    *,
    channel: Channel,
    chat_id: int | str,
    message_id: int,
    text: str,
    sent_at: datetime,
    entities: Iterable[TextEntity] = (),
    attachments: Sequence[Attachment] = (),
    author: Author | None = None,
    chat_title: str | None = None,
    chat_type: str | None = None,
    reply_to_message_id: int | None = None,
    thread_id: int | None = None,
    forwarded_from: str | None = None,
    edited_at: datetime | None = None,
    job_id: str | None = None,
) -> MessageIngested:
    """The one constructor of `MessageIngested`: key, placeholder text, language and UTC are derived here."""
    check_limits(text, message_id=message_id, reply_to_message_id=reply_to_message_id, thread_id=thread_id)
    body, body_entities = message_text(text, list(entities), attachments)
    event = MessageIngested(
        key=natural_key(SOURCE, chat_id, message_id),
        channel=channel,
        chat_id=str(chat_id),
        chat_title=chat_title or None,
        chat_type=chat_type,
        message_id=message_id,
        author=author,
        text=body,
        entities=body_entities,
        reply_to_message_id=reply_to_message_id,
        thread_id=thread_id,
        forwarded_from=forwarded_from or None,
        sent_at=to_utc(sent_at),
        edited_at=to_utc(edited_at) if edited_at else None,
        language=detect_language(text),
        attachments=list(attachments),
        job_id=job_id,
    )
    return storable(event)  # type: ignore[no-any-return]


def build_updated(
    *,
    channel: Channel,
    chat_id: int | str,
    message_id: int,
    text: str,
    edited_at: datetime,
    entities: Iterable[TextEntity] = (),
    attachments: Sequence[Attachment] = (),
) -> MessageUpdated:
    """The one constructor of `MessageUpdated` (an edit): same key and text rules as `build_ingested`."""
    check_limits(text, message_id=message_id)
    body, body_entities = message_text(text, list(entities), attachments)
    event = MessageUpdated(
        key=natural_key(SOURCE, chat_id, message_id),
        text=body,
        entities=body_entities,
        edited_at=to_utc(edited_at),
        language=detect_language(text),
        channel=channel,
    )
    return storable(event)  # type: ignore[no-any-return]


# --- chat ids -------------------------------------------------------------------------------------
# The natural key must be the same whichever source saw the message, so every source speaks Bot API
# ("marked") chat ids, which Telethon's utils.get_peer_id also produces:
#   user / private chat      →  user id as is          (export types personal_chat, bot_chat, saved_messages)
#   basic group              →  -id                    (export type private_group)
#   supergroup and channel   →  -(10**12 + id), i.e. "-100" followed by the id
#                                                       (export private/public_supergroup, private/public_channel)
# Telegram Desktop writes the bare id in exports; an id that is already negative is kept as given.
_CHANNEL_OFFSET = 10**12

_EXPORT_CHAT_TYPES = {
    "personal_chat": "private",
    "bot_chat": "private",
    "saved_messages": "private",
    "private_group": "group",
    "private_supergroup": "supergroup",
    "public_supergroup": "supergroup",
    "private_channel": "channel",
    "public_channel": "channel",
}


def chat_type_from_export(export_type: str | None) -> str | None:
    """Export chat type → Bot API chat type (private, group, supergroup, channel)."""
    if export_type is None:
        return None
    return _EXPORT_CHAT_TYPES.get(export_type, export_type)


def marked_chat_id(raw_id: int, chat_type: str | None) -> int:
    """Bare id + Bot API chat type → the marked chat id Bot API and Telethon use."""
    if raw_id < 0:
        return raw_id
    if chat_type in ("supergroup", "channel"):
        return -(_CHANNEL_OFFSET + raw_id)
    if chat_type == "group":
        return -raw_id
    return raw_id


def export_peer_id(value: str | int | None) -> str | None:
    """Export "from_id" ("user123", "channel123", "chat123") → marked id as a string."""
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    for prefix, chat_type in (("user", "private"), ("channel", "channel"), ("chat", "group")):
        if value.startswith(prefix) and value[len(prefix) :].isdigit():
            return str(marked_chat_id(int(value[len(prefix) :]), chat_type))
    return value
