"""Streaming reader of a Telegram Desktop export (result.json) → `MessageIngested` or `Rejected` per message.

The file is parsed event by event with ijson (C backend), so memory holds one message at a time and
does not grow with the export. A syntax error stops the stream with `ExportError` carrying the byte
position and line; whatever was yielded before it is complete and valid.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import msgspec

from services.ingest.normalise import (
    NormaliseError,
    build_ingested,
    chat_type_from_export,
    export_datetime,
    export_peer_id,
    flatten_text,
    marked_chat_id,
)
from shared.contracts.messages import Attachment, Author, MessageIngested

# Where chats sit: a single-chat export is the chat itself; a full export lists them under chats/left_chats.
_CHAT_BASES = ("", "chats.list.item.", "left_chats.list.item.")
_CHAT_STARTS = frozenset(base[:-1] for base in _CHAT_BASES if base)
_MESSAGE_ITEMS = frozenset(f"{base}messages.item" for base in _CHAT_BASES)
_MESSAGE_ARRAYS = frozenset(f"{base}messages" for base in _CHAT_BASES)
_CHAT_FIELDS = {f"{base}{name}": name for base in _CHAT_BASES for name in ("name", "type", "id")}
_SCALARS = frozenset(("null", "boolean", "integer", "double", "number", "string"))

_MEDIA_KINDS = {
    "sticker": "sticker",
    "voice_message": "voice",
    "video_message": "video_note",
    "video_file": "video",
    "animation": "animation",
    "audio_file": "audio",
}
_READ_SIZE = 64 * 1024
_AVG_MESSAGE_BYTES = 400  # pretty-printed export message, measured on real exports; only for a progress total


class ExportError(Exception):
    """The export cannot be read past `position`; messages yielded before it stand.

    `position` is the byte offset where the parser gave up (the faulty token ends at or just before it;
    the file size for a truncated file); `line` is 1-based.
    """

    def __init__(self, position: int, line: int | None, reason: str) -> None:
        self.position = position
        self.line = line
        self.reason = reason
        where = f"byte {position}" + (f", line {line}" if line is not None else "")
        super().__init__(f"export unreadable at {where}: {reason}")


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A message that was read but cannot become a `MessageIngested`; `position` is its index in the file."""

    position: int
    reason: str
    chat_id: str | None = None
    message_id: int | None = None


@dataclass
class ExportSummary:
    """Counters the import command prints; skipped and rejected are counted by reason."""

    chats: list[str] = field(default_factory=list)
    chats_filtered_out: list[str] = field(default_factory=list)
    messages: int = 0
    ingested: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class _Chat:
    name: str | None = None
    type: str | None = None
    raw_id: int | None = None
    chat_id: str | None = None
    wanted: bool | None = None  # decided once name/type/id are known


class _TrackingReader:
    """File wrapper that remembers the chunk ijson is parsing, so an error can be placed exactly."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.total = 0
        self.chunk = b""
        self.chunk_start = 0
        self.newlines_before_chunk = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self.newlines_before_chunk += self.chunk.count(b"\n")
            self.chunk_start = self.total
            self.chunk = data
            self.total += len(data)
        return data

    def line_at(self, position: int) -> int:
        return self.newlines_before_chunk + self.chunk[: position - self.chunk_start].count(b"\n") + 1


def _locate(message: str, reader: _TrackingReader) -> int:
    """Byte offset of a yajl error: find yajl's context snippet (30 bytes each side) in the current chunk."""
    lines = message.splitlines()
    if len(lines) < 3 or "^" not in lines[2]:
        return reader.total
    caret = lines[2].index("^")
    # yajl prints newlines in the snippet as spaces; match against the chunk the same way.
    snippet = lines[1].encode("utf-8", "replace")
    before, after = snippet[:caret].lstrip(b" "), snippet[caret:].rstrip(b" ")
    if not before and not after:
        return reader.total
    haystack = reader.chunk.replace(b"\n", b" ").replace(b"\r", b" ")
    found = haystack.find(before + after)
    return reader.total if found < 0 else reader.chunk_start + found + len(before)


def _export_error(exc: ijson.JSONError | UnicodeDecodeError, reader: _TrackingReader) -> ExportError:
    if isinstance(exc, UnicodeDecodeError):
        # ijson's C backend turns an escaped lone surrogate (\\ud800) or non-UTF-8 bytes into this: no text to store
        reason = "text that is not valid Unicode (a lone surrogate such as \\ud800, or bytes that are not UTF-8)"
        return ExportError(reader.total, reader.line_at(reader.total), reason)
    text = str(exc)
    if text.startswith(("b'", 'b"')):  # ijson reprs the bytes when yajl's message is not valid UTF-8
        try:
            text = ast.literal_eval(text).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            pass
    position = _locate(text, reader)
    reason = text.splitlines()[0].strip() if text.strip() else type(exc).__name__
    if "premature EOF" in reason or "Incomplete" in reason:
        reason = "file ends in the middle of the JSON (truncated export?)"
    return ExportError(position, reader.line_at(position), reason)


def _matches(chat: _Chat, wanted: str) -> bool:
    wanted = wanted.strip()
    ids = {str(chat.raw_id), chat.chat_id}
    return wanted in ids or (chat.name or "").casefold() == wanted.casefold()


def _attachments(raw: dict[str, Any]) -> list[Attachment]:
    if "photo" in raw:
        return [Attachment(kind="photo", size=_int_or_none(raw.get("photo_file_size")))]
    if "file" in raw or "media_type" in raw:
        kind = _MEDIA_KINDS.get(str(raw.get("media_type")), "document")
        return [
            Attachment(
                kind=kind,
                file_name=raw.get("file_name") if isinstance(raw.get("file_name"), str) else None,
                mime_type=raw.get("mime_type") if isinstance(raw.get("mime_type"), str) else None,
                size=_int_or_none(raw.get("file_size")),
                emoji=raw.get("sticker_emoji") if isinstance(raw.get("sticker_emoji"), str) else None,
            )
        ]
    for key, kind in (("poll", "poll"), ("location_information", "location"), ("contact_information", "contact")):
        if key in raw:
            return [Attachment(kind=kind)]
    return []


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _convert(raw: dict[str, Any], chat: _Chat, naive_tz: tzinfo) -> MessageIngested | str:
    """One export message → event, or the reason it cannot be one."""
    message_id = raw.get("id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        return "missing or non-integer message id"
    try:
        sent_at = export_datetime(raw.get("date_unixtime"), raw.get("date"), naive_tz=naive_tz)
        edited = raw.get("edited_unixtime") or raw.get("edited")
        edited_at = (
            export_datetime(raw.get("edited_unixtime"), raw.get("edited"), naive_tz=naive_tz) if edited else None
        )
        text, entities = flatten_text(raw["text"] if "text" in raw else raw.get("text_entities"))
    except NormaliseError as exc:
        return str(exc)
    attachments = _attachments(raw)
    if not text.strip() and not attachments:
        return "empty message (no text and no media)"
    sender = export_peer_id(raw.get("from_id"))
    author = None
    if sender is not None:
        name = raw.get("from")
        author = Author(source_user_id=sender, display_name=name if isinstance(name, str) else "")
    reply_to = raw.get("reply_to_message_id")
    forwarded = raw.get("forwarded_from")
    try:
        return build_ingested(
            channel="export",
            chat_id=chat.chat_id or "",
            chat_title=chat.name,
            chat_type=chat_type_from_export(chat.type),
            message_id=message_id,
            text=text,
            entities=entities,
            attachments=attachments,
            author=author,
            sent_at=sent_at,
            edited_at=edited_at,
            reply_to_message_id=reply_to if isinstance(reply_to, int) else None,
            forwarded_from=forwarded if isinstance(forwarded, str) else None,
        )
    except NormaliseError as exc:  # an id beyond 64 bits, a text no Telegram message has
        return str(exc)


def read_export(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    chat: str | None = None,
    naive_tz: tzinfo = UTC,
    summary: ExportSummary | None = None,
) -> Iterator[MessageIngested | Rejected]:
    """Stream the export's messages in file order; `chat` keeps one chat (name, export id or marked id).

    Service messages (joins, pins, …) are not yielded; they are counted in `summary.skipped`.
    Raises `ExportError` on a truncated or corrupt file, after yielding everything before the fault.
    """
    if isinstance(source, (str, os.PathLike)):
        with Path(source).open("rb") as handle:
            yield from read_export(handle, chat=chat, naive_tz=naive_tz, summary=summary)
        return
    stats = summary if summary is not None else ExportSummary()
    if source.seekable():
        start = source.tell()
        header = _single_chat_header(source)
        source.seek(start)
        if header is not None and _decide_fast(header, chat, stats):
            yield from _read_single_chat(source, header, naive_tz, stats)
            return
    reader = _TrackingReader(source)
    current = _Chat()
    builder: ijson.ObjectBuilder | None = None
    depth = 0
    skipping = False  # inside a message of a chat the filter excludes: consume events, build nothing
    position = 0
    try:
        for prefix, event, value in ijson.parse(reader, buf_size=_READ_SIZE, use_float=True):
            if depth:
                if builder is not None:
                    builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth:
                    continue
                raw, builder, skipping = (builder.value if builder else None), None, False
                if raw is None:
                    continue
                stats.messages += 1
                result = _convert_or_skip(raw, current, naive_tz, position, stats)
                position += 1
                if result is not None:
                    yield result
                continue
            if prefix in _MESSAGE_ITEMS:
                if event in ("start_map", "start_array"):
                    depth = 1
                    skipping = not current.wanted
                    if not skipping and event == "start_map":
                        builder = ijson.ObjectBuilder()
                        builder.event(event, value)
                    elif not skipping:
                        stats.messages += 1
                        stats.rejected["message is not an object"] += 1
                        yield Rejected(position=position, reason="message is not an object", chat_id=current.chat_id)
                        position += 1
                elif event in _SCALARS and current.wanted:
                    stats.messages += 1
                    stats.rejected["message is not an object"] += 1
                    yield Rejected(position=position, reason="message is not an object", chat_id=current.chat_id)
                    position += 1
            elif prefix in _CHAT_FIELDS and event in _SCALARS:
                setattr(current, {"id": "raw_id"}.get(_CHAT_FIELDS[prefix], _CHAT_FIELDS[prefix]), value)
            elif prefix in _CHAT_STARTS and event == "start_map":
                current = _Chat()
            elif prefix in _MESSAGE_ARRAYS:
                if event == "start_array":
                    _decide(current, chat, stats, reader)
                elif event != "end_array":
                    raise ExportError(reader.total, reader.line_at(reader.total), f"'{prefix}' must be a list")
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _export_error(exc, reader) from None
    if not stats.chats and not stats.chats_filtered_out:
        raise ExportError(reader.total, None, "no chat with messages found (not a Telegram Desktop export?)")


def _single_chat_header(source: BinaryIO) -> _Chat | None:
    """The name/type/id of a single-chat export, read up to its "messages"; None for anything else."""
    chat = _Chat()
    try:
        for prefix, event, value in ijson.parse(source, buf_size=_READ_SIZE, use_float=True):
            if prefix == "messages" and event == "start_array":
                return chat
            if prefix in ("name", "type", "id") and event in _SCALARS:
                setattr(chat, "raw_id" if prefix == "id" else prefix, value)
            elif prefix in ("chats", "left_chats") or (prefix == "" and event not in ("start_map", "map_key")):
                return None  # a full export (or not an export): the general path handles it
    except (ijson.JSONError, UnicodeDecodeError):
        return None  # the general path reports where and why
    return None


def _decide_fast(header: _Chat, wanted: str | None, stats: ExportSummary) -> bool:
    """Whether the fast path applies: the chat has an id and the filter keeps it (stats updated as `_decide`)."""
    if not isinstance(header.raw_id, int):
        return False
    chat_type = chat_type_from_export(header.type)
    header.chat_id = str(marked_chat_id(header.raw_id, chat_type))
    if wanted is not None and not _matches(header, wanted):
        header.chat_id = None
        return False
    header.wanted = True
    stats.chats.append(header.name or header.chat_id)
    return True


def _read_single_chat(
    source: BinaryIO, chat: _Chat, naive_tz: tzinfo, stats: ExportSummary
) -> Iterator[MessageIngested | Rejected]:
    """The common single-chat export: ijson's C backend builds each message, far cheaper than event by event."""
    reader = _TrackingReader(source)
    position = 0
    try:
        for raw in ijson.items(reader, "messages.item", buf_size=_READ_SIZE, use_float=True):
            stats.messages += 1
            if isinstance(raw, dict):
                result = _convert_or_skip(raw, chat, naive_tz, position, stats)
            else:
                stats.rejected["message is not an object"] += 1
                result = Rejected(position=position, reason="message is not an object", chat_id=chat.chat_id)
            position += 1
            if result is not None:
                yield result
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _export_error(exc, reader) from None


def _decide(current: _Chat, wanted: str | None, stats: ExportSummary, reader: _TrackingReader) -> None:
    """At the start of a chat's messages: fix its marked id and whether the filter keeps it."""
    if current.wanted is not None:
        return
    if not isinstance(current.raw_id, int):
        # Telegram Desktop writes name/type/id before messages; without the id no key can be built.
        raise ExportError(reader.total, None, "chat 'id' missing or not before its 'messages'")
    chat_type = chat_type_from_export(current.type)
    current.chat_id = str(marked_chat_id(current.raw_id, chat_type))
    current.wanted = wanted is None or _matches(current, wanted)
    label = current.name or current.chat_id
    (stats.chats if current.wanted else stats.chats_filtered_out).append(label)


def _convert_or_skip(
    raw: dict[str, Any], chat: _Chat, naive_tz: tzinfo, position: int, stats: ExportSummary
) -> MessageIngested | Rejected | None:
    kind = raw.get("type", "message")
    if kind == "service":
        stats.skipped[f"service message: {raw.get('action') or 'unknown action'}"] += 1
        return None
    if kind != "message":
        reason = f"unknown message type {kind!r}"
    else:
        converted = _convert(raw, chat, naive_tz)
        if isinstance(converted, MessageIngested):
            stats.ingested += 1
            return converted
        reason = converted
    stats.rejected[reason] += 1
    message_id = raw.get("id") if isinstance(raw.get("id"), int) else None
    return Rejected(position=position, reason=reason, chat_id=chat.chat_id, message_id=message_id)


def count_messages_hint(path: str | os.PathLike[str], *, sample_bytes: int = 1 << 20) -> int:
    """Cheap estimate of the message count for a progress bar: messages in the first MiB, scaled by size.

    Every export message has exactly one "date_unixtime" key; escaped quotes inside text never match.
    """
    size = os.path.getsize(path)
    with Path(path).open("rb") as handle:
        head = handle.read(sample_bytes)
    if not head:
        return 0
    found = head.count(b'"date_unixtime"')
    if len(head) >= size:
        return found
    if found == 0:
        return size // _AVG_MESSAGE_BYTES
    return round(found * size / len(head))
