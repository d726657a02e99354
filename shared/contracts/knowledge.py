"""Topic `knowledge`: extraction runs, topics, atoms, their links and versions, schedules, auto-approval rules.

Who publishes what:
- the gateway (a person's request): `extraction_queued` (+ the `cmd.extractor.extract` command),
  `extraction_cancelling` (+ `cmd.extractor.cancel`), review events (`version_created` for an edit,
  `version_approved` / `version_rejected`, `*_archived` / `*_restored`), schedule and rule configuration;
- the extractor stage: the run's lifecycle, `messages_consumed`, `topic_created`, `atom_created`, `atom_linked`,
  `version_created` for a near-identical atom, and `version_approved` with `auto=True` for auto-approval;
- the embedder: `embedding_computed` for atoms and topics.

Ids: topic ids are derived from the lower-cased name (`topic_id_for`), so two runs that name the same topic
refer to one row; atoms get deterministic ids from what they were extracted from (`atom_id_for`), so a
redelivered command re-publishes the same ids and the projection applies them once.

Versions: `topic_created` / `atom_created` are version 1 of their entity (the projection records it: a topic's
as approved, an atom's as approved when `approved` is set, else proposed), so producers publish
`version_created` only for later versions; one identical to the entity's latest version adds nothing.
Snapshots hold the fields of `TopicSnapshot` / `AtomSnapshot`; approving one applies exactly those fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from shared.contracts.common import AtomType, LinkType, ScheduleKind, VersionState
from shared.contracts.envelope import EventData

RunStatus = Literal["completed", "failed", "cancelled"]
Entity = Literal["topic", "atom"]
_NAMESPACE = uuid.UUID("5b0f7a52-6f8e-4b3a-9d0e-7a1c2e9b4d11")


def topic_id_for(name: str) -> str:
    """One id per case-insensitive topic name (names are unique case-insensitively)."""
    return str(uuid.uuid5(_NAMESPACE, "topic:" + " ".join(name.lower().split())))


def atom_id_for(atom_type: str, title: str, message_keys: Iterable[str]) -> str:
    """The same atom extracted from the same messages gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"atom:{atom_type}:{title.strip().lower()}:{','.join(sorted(message_keys))}"))


# --- runs -----------------------------------------------------------------------------------------------


class ExtractionQueued(EventData, frozen=True, kw_only=True):
    """knowledge.extraction_queued: a run exists (pending) before any replica picks it up."""

    run_id: str
    trigger: str  # auto | manual | scheduled:<name>
    chat_id: str | None = None
    message_keys: list[str] = []
    period_start: datetime | None = None
    period_end: datetime | None = None
    agent_id: str | None = None
    schedule_id: str | None = None


class ExtractionStarted(EventData, frozen=True, kw_only=True):
    run_id: str
    trigger: str  # auto | manual | scheduled:<name>
    chat_id: str | None = None
    message_keys: list[str] = []
    message_count: int = 0
    agent: str | None = None
    agent_id: str | None = None
    schedule_id: str | None = None


class ExtractionProgress(EventData, frozen=True, kw_only=True):
    """knowledge.extraction_progress: counters so far (after each conversation batch)."""

    run_id: str
    messages_processed: int = 0
    topics_created: int = 0
    atoms_created: int = 0
    links_created: int = 0
    versions_created: int = 0
    tokens_used: int = 0


class ExtractionCancelling(EventData, frozen=True, kw_only=True):
    """knowledge.extraction_cancelling: a person asked to cancel; the run stops at its next checkpoint."""

    run_id: str
    requested_by: str | None = None


class ExtractionCompleted(EventData, frozen=True, kw_only=True):
    run_id: str
    status: RunStatus = "completed"
    messages_processed: int = 0
    topics_created: int = 0
    atoms_created: int = 0
    links_created: int = 0
    versions_created: int = 0
    tokens_used: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None


class MessagesConsumed(EventData, frozen=True, kw_only=True):
    """knowledge.messages_consumed: these messages were read by the run (even when nothing came of them).

    `topics` maps a message key to the topic it was assigned to; keys absent from it keep their topic.
    """

    run_id: str
    message_keys: list[str]
    topics: dict[str, str] = {}


# --- topics and atoms -------------------------------------------------------------------------------------


class TopicCreated(EventData, frozen=True, kw_only=True):
    topic_id: str
    name: str
    description: str = ""
    keywords: list[str] = []
    icon: str | None = None
    color: str | None = None
    confidence: float | None = None
    message_keys: list[str] = []
    run_id: str | None = None
    parent_id: str | None = None
    created_by: str | None = None  # a person who created it by hand; None: the producer


class AtomLink(EventData, frozen=True, kw_only=True):
    target_atom_id: str
    link_type: LinkType
    strength: float = 1.0


class AtomTopic(EventData, frozen=True, kw_only=True):
    topic_id: str
    similarity: float | None = None  # cosine similarity, not (1+cos)/2


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
    created_by: str | None = None  # a person who created it by hand; None: the producer


class AtomLinked(EventData, frozen=True, kw_only=True):
    """knowledge.atom_linked: further links / topics for an existing atom (e.g. relates_to a new similar atom)."""

    atom_id: str
    links: list[AtomLink] = []
    topics: list[AtomTopic] = []
    run_id: str | None = None


class EntityArchived(EventData, frozen=True, kw_only=True):
    """knowledge.topic_archived / topic_restored / atom_archived / atom_restored."""

    entity: Entity
    entity_id: str
    by: str | None = None


# --- versions -------------------------------------------------------------------------------------------


class TopicSnapshot(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A topic's reviewable fields (a version's snapshot)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    keywords: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] = []
    icon: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    color: Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None
    parent_id: str | None = None


class AtomSnapshot(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An atom's reviewable fields (a version's snapshot); `source_message_keys` None = unchanged."""

    type: AtomType
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    content: Annotated[str, msgspec.Meta(max_length=50_000)] = ""
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)]
    source_message_keys: list[str] | None = None


class VersionCreated(EventData, frozen=True, kw_only=True):
    """A proposed (or, for the first version of an entity, possibly approved) full snapshot.

    `version` is the producer's expectation (latest + 1); the projection numbers versions in stream order.
    """

    entity: Entity
    entity_id: str
    version: int
    snapshot: dict[str, Any]
    state: VersionState = "proposed"
    created_by: str = "system"
    reason: str | None = None
    run_id: str | None = None


class VersionReviewed(EventData, frozen=True, kw_only=True):
    """knowledge.version_approved / knowledge.version_rejected. Approving applies the snapshot to the entity."""

    entity: Entity
    entity_id: str
    version: int
    reviewed_by: str
    reason: str | None = None  # required for a rejection
    auto: bool = False  # approved by an auto-approval rule, not a person
    rule_id: str | None = None


# --- configuration: schedules and auto-approval rules ---------------------------------------------------


class ScheduleChanged(EventData, frozen=True, kw_only=True):
    """knowledge.schedule_created / knowledge.schedule_updated: the schedule's full state after the change.

    `kind` analysis: each due time starts an analysis run over the `lookback_hours` before it (the window
    length), for `project_id` when set, with `agent_id` (a task_proposer; default the system one).
    """

    schedule_id: str
    name: str
    cron: str
    kind: ScheduleKind = "extraction"
    project_id: str | None = None
    agent_id: str | None = None
    chats: list[str] = []
    min_score: float | None = None
    lookback_hours: int = 24
    auto_approve: bool = False
    confidence_threshold: float = 0.8
    allowed_atom_types: list[AtomType] = []
    active: bool = True


class ScheduleDeleted(EventData, frozen=True, kw_only=True):
    schedule_id: str


class ScheduleFired(EventData, frozen=True, kw_only=True):
    """knowledge.schedule_fired: one replica fired the schedule for `due_at` and queued `run_id`."""

    schedule_id: str
    run_id: str
    due_at: datetime


class AutoApprovalRuleChanged(EventData, frozen=True, kw_only=True):
    """knowledge.auto_approval_rule_created / _updated. No schedule = a global rule."""

    rule_id: str
    schedule_id: str | None = None
    atom_types: list[AtomType] = []  # empty = every type
    min_confidence: float = 0.8
    active: bool = True


class AutoApprovalRuleDeleted(EventData, frozen=True, kw_only=True):
    rule_id: str


class EmbeddingComputed(EventData, frozen=True, kw_only=True):
    """An atom's or topic's vector (messages use `messages.embedded`)."""

    entity: Entity
    entity_id: str
    model_id: str
    dimensions: int
    vector: list[float]
