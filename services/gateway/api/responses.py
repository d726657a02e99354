"""Typed shapes of the responses that are built from rows by hand (messages, jobs, chats, proposals, tasks).

Declaring them makes the OpenAPI document describe these routes field by field, so the dashboard's API types,
generated from that document, are exact; converting each row through them checks the shape on the way out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

Classification = Literal["signal", "weak_signal", "noise"]
JobStatus = Literal["pending", "running", "completed", "failed", "cancelled"]


class Author(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str | None
    username: str | None


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    key: str
    source: str
    channel: str | None
    chat_id: str
    message_id: int
    text: str
    entities: list[Any]
    language: str
    reply_to_message_id: int | None
    thread_id: int | None
    forwarded_from: str | None
    sent_at: datetime
    edited_at: datetime | None
    attachments: list[Any]
    importance_score: float | None
    scored_classification: Classification | None  # the scorer's label
    classification_override: Classification | None  # a person's label
    classification: Classification | None  # the effective one: the override wins
    topic_id: UUID | None
    created_at: datetime
    author: Author | None


class MessagePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Message]
    next_cursor: str | None


class MessageChat(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    title: str | None
    type: str | None
    monitored: bool


class MessageEdit(msgspec.Struct, frozen=True, kw_only=True):
    previous_text: str | None
    text: str
    edited_at: datetime
    channel: str | None


class ClassificationChange(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    importance_score: float | None
    classification: Classification | None
    score_factors: dict[str, float] | None
    scorer: str | None
    model: str | None
    reasoning: str | None
    changed_by: str | None
    reason: str | None
    changed_at: datetime


class MessageDetail(Message, frozen=True, kw_only=True):
    score_factors: dict[str, float] | None
    override_by: str | None
    override_at: datetime | None
    override_reason: str | None
    chat: MessageChat | None
    edits: list[MessageEdit]
    classification_history: list[ClassificationChange]


class IngestionJob(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: JobStatus
    chats: list[str]
    since: datetime | None
    until: datetime | None
    depth: int | None
    batch_size: int
    fetched: int
    stored: int
    skipped: int
    errors: int
    current_chat: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime


class CancelRequested(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: JobStatus
    cancel_requested: bool


class ChatEstimate(msgspec.Struct, frozen=True, kw_only=True):
    chat: str
    messages: int
    already_stored: int
    basis: str


class IngestionEstimate(msgspec.Struct, frozen=True, kw_only=True):
    messages: int
    seconds: float
    chats: list[ChatEstimate]


class Chat(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    source: str
    title: str | None
    type: str | None
    monitored: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    message_count: int = 0


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    source: str
    source_user_id: str
    display_name: str
    username: str | None
    language: str | None
    is_bot: bool
    avatar_path: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int


class ProfileChat(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    messages: int
    last_sent_at: datetime


class ProfileDetail(Profile, frozen=True, kw_only=True):
    chats: list[ProfileChat]


# -- review: task proposals and tasks ---------------------------------------------------------------------------
Priority = Literal["low", "medium", "high", "critical"]
TaskCategory = Literal["bug", "feature", "improvement", "question", "docs", "chore"]
TaskStatus = Literal["open", "in_progress", "completed", "closed"]
ProposalStatus = Literal["pending", "approved", "rejected", "merged"]
Recommendation = Literal["new_task", "update_existing", "merge", "reject"]


class CitedMessage(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    chat_id: str
    message_id: int
    text: str
    sent_at: datetime
    language: str
    importance_score: float | None
    classification: Classification | None
    author: str | None


class Task(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    category: TaskCategory
    project_id: str | None
    assignee: str | None
    source_message_keys: list[str]
    atom_ids: list[str]
    proposal_id: str | None
    created_at: datetime
    updated_at: datetime


class Proposal(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    run_id: str
    title: str
    description: str
    priority: Priority
    category: TaskCategory
    project_id: str | None
    tags: list[str]
    confidence: float
    reasoning: str
    recommendation: Recommendation
    source_message_keys: list[str]
    atom_ids: list[str]
    similar_task_id: str | None
    similarity: float | None
    status: ProposalStatus
    task_id: str | None
    review_notes: str | None
    reviewer: str | None
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProposalDetail(Proposal, frozen=True, kw_only=True):
    messages: list[CitedMessage]
    similar_task: Task | None


class ProposalReviewed(msgspec.Struct, frozen=True, kw_only=True):
    proposal: Proposal
    task: Task


def shaped(value: Any, shape: type[Any]) -> Any:
    """A row (or a dict built from rows) as the declared response shape; a mismatch fails loudly here."""
    return msgspec.convert(value, shape, from_attributes=True, strict=False)
