"""Topic `messages`: chat messages entering the system, edits, ingestion jobs and embeddings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from shared.contracts.common import Language
from shared.contracts.envelope import EventData

Source = Literal["telegram"]
Channel = Literal["export", "webhook", "live", "backfill", "api"]


class Author(EventData, frozen=True, kw_only=True):
    source_user_id: str
    display_name: str = ""
    username: str | None = None
    is_bot: bool = False
    language: str | None = None
    avatar_path: str | None = None  # local file, never a URL (Telegram file URLs embed the bot token)


class TextEntity(EventData, frozen=True, kw_only=True):
    type: str
    offset: int
    length: int
    url: str | None = None


class Attachment(EventData, frozen=True, kw_only=True):
    kind: str  # photo, video, document, voice, sticker, …
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    emoji: str | None = None


def natural_key(source: str, chat_id: int | str, message_id: int | str) -> str:
    """Telegram ids repeat across chats, so the chat is part of the key."""
    return f"{source}:{chat_id}:{message_id}"


class MessageIngested(EventData, frozen=True, kw_only=True):
    key: str
    source: Source = "telegram"
    channel: Channel = "api"
    chat_id: str
    chat_title: str | None = None
    chat_type: str | None = None
    message_id: int
    author: Author | None = None
    text: str
    entities: list[TextEntity] = []
    reply_to_message_id: int | None = None
    thread_id: int | None = None
    forwarded_from: str | None = None
    sent_at: datetime
    edited_at: datetime | None = None
    language: Language = "unknown"
    attachments: list[Attachment] = []
    job_id: str | None = None


class MessageUpdated(EventData, frozen=True, kw_only=True):
    key: str
    text: str
    entities: list[TextEntity] = []
    edited_at: datetime
    language: Language = "unknown"
    channel: Channel = "api"


def edit_msg_id(key: str, edited_at: datetime) -> str:
    """Dedupe id of one edit: the webhook and the live listener seeing the same edit publish it once."""
    return f"{key}:edit:{int(edited_at.timestamp())}"


class ChatUpdated(EventData, frozen=True, kw_only=True):
    """A chat's metadata or monitored flag changed (import, API); None leaves a field as it is."""

    source: Source = "telegram"
    chat_id: str
    title: str | None = None
    type: str | None = None
    monitored: bool | None = None
    changed_by: str | None = None


class ProfileUpdated(EventData, frozen=True, kw_only=True):
    """Profile data learnt off the hot path (e.g. an avatar downloaded to the data dir)."""

    source: Source = "telegram"
    source_user_id: str
    display_name: str | None = None
    username: str | None = None
    avatar_path: str | None = None  # relative to the data dir; never a URL


class MessageEmbedded(EventData, frozen=True, kw_only=True):
    key: str
    model_id: str
    dimensions: int
    vector: list[float]


class TermVector(msgspec.Struct, frozen=True, kw_only=True):
    term: str
    vector: list[float]


class TermsEmbedded(EventData, frozen=True, kw_only=True):
    """Words of the chat's vocabulary first seen by the embedder, each with its vector (search translates query
    words through them: services/gateway/search/translations.py)."""

    model_id: str
    dimensions: int
    terms: list[TermVector]


class IngestionJobSpec(EventData, frozen=True, kw_only=True):
    """What a backfill job reads: chats and a window (since/until) or a depth; shared by its command and events."""

    job_id: str
    chats: list[str]
    since: datetime | None = None
    until: datetime | None = None
    depth: int | None = None
    batch_size: int = 100


class IngestionQueued(IngestionJobSpec, frozen=True, kw_only=True):
    """A backfill job was requested: the read model shows it as pending before the stage picks it up."""


class IngestionStarted(IngestionJobSpec, frozen=True, kw_only=True):
    pass


class IngestionCounters(EventData, frozen=True, kw_only=True):
    job_id: str
    fetched: int = 0
    stored: int = 0
    skipped: int = 0  # duplicates: already stored
    errors: int = 0


class IngestionProgress(IngestionCounters, frozen=True, kw_only=True):
    current_chat: str | None = None


class IngestionCompleted(IngestionCounters, frozen=True, kw_only=True):
    pass


class IngestionFailed(IngestionCounters, frozen=True, kw_only=True):
    error: str


class IngestionCancelled(EventData, frozen=True, kw_only=True):
    """Counters are None when the job was cancelled before it ran (the row keeps what it had)."""

    job_id: str
    reason: str = "cancelled on request"
    fetched: int | None = None
    stored: int | None = None
    skipped: int | None = None
    errors: int | None = None
