"""Topic `messages`: chat messages entering the system, edits, ingestion jobs and embeddings."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


class MessageEmbedded(EventData, frozen=True, kw_only=True):
    key: str
    model_id: str
    dimensions: int
    vector: list[float]


class IngestionStarted(EventData, frozen=True, kw_only=True):
    job_id: str
    chats: list[str]
    since: datetime | None = None
    until: datetime | None = None
    depth: int | None = None
    batch_size: int = 100


class IngestionProgress(EventData, frozen=True, kw_only=True):
    job_id: str
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    errors: int = 0
    current_chat: str | None = None


class IngestionCompleted(EventData, frozen=True, kw_only=True):
    job_id: str
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    errors: int = 0


class IngestionFailed(EventData, frozen=True, kw_only=True):
    job_id: str
    error: str
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    errors: int = 0
