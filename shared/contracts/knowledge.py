"""Topic `knowledge`: extraction runs, topics, atoms and their versions."""

from __future__ import annotations

from typing import Any, Literal

from shared.contracts.common import AtomType, LinkType, VersionState
from shared.contracts.envelope import EventData


class ExtractionStarted(EventData, frozen=True, kw_only=True):
    run_id: str
    trigger: str  # auto | manual | scheduled:<name>
    chat_id: str | None = None
    message_keys: list[str] = []
    agent: str | None = None


class ExtractionCompleted(EventData, frozen=True, kw_only=True):
    run_id: str
    status: Literal["completed", "failed", "cancelled"] = "completed"
    messages_processed: int = 0
    topics_created: int = 0
    atoms_created: int = 0
    links_created: int = 0
    versions_created: int = 0
    tokens_used: int = 0
    error: str | None = None


class TopicCreated(EventData, frozen=True, kw_only=True):
    topic_id: str
    name: str
    description: str = ""
    keywords: list[str] = []
    icon: str | None = None
    color: str | None = None
    message_keys: list[str] = []
    run_id: str | None = None


class AtomLink(EventData, frozen=True, kw_only=True):
    target_atom_id: str
    link_type: LinkType
    strength: float = 1.0


class AtomTopic(EventData, frozen=True, kw_only=True):
    topic_id: str
    similarity: float | None = None


class AtomCreated(EventData, frozen=True, kw_only=True):
    atom_id: str
    type: AtomType
    title: str
    content: str
    confidence: float
    message_keys: list[str] = []
    topics: list[AtomTopic] = []
    links: list[AtomLink] = []
    approved: bool = False
    run_id: str | None = None


class VersionCreated(EventData, frozen=True, kw_only=True):
    entity: Literal["topic", "atom"]
    entity_id: str
    version: int
    snapshot: dict[str, Any]
    state: VersionState = "proposed"
    created_by: str = "system"
    reason: str | None = None


class EmbeddingComputed(EventData, frozen=True, kw_only=True):
    """An atom's or topic's vector (messages use `messages.embedded`)."""

    entity: Literal["topic", "atom"]
    entity_id: str
    model_id: str
    dimensions: int
    vector: list[float]
