"""Typed shapes of the knowledge API's responses, so the OpenAPI document (and the dashboard's generated types)
describe them field by field; converting each answer through them checks the shape on the way out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from shared.contracts.common import AtomType, LinkType, ScheduleKind, VersionState

EntityName = Literal["topic", "atom"]
RunStatus = Literal["pending", "running", "completed", "failed", "cancelling", "cancelled"]


def shaped(value: Any, shape: Any) -> Any:
    """A row (or a dict built from rows) as the declared response shape; a mismatch fails loudly here."""
    return msgspec.convert(value, shape, from_attributes=True, strict=False)


class Shape(msgspec.Struct, frozen=True, kw_only=True):
    pass


class TopicRef(Shape):
    id: UUID
    name: str


class Version(Shape):
    version: int
    state: VersionState
    snapshot: dict[str, Any]
    created_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str | None
    auto: bool  # approved by an auto-approval rule
    rule_id: UUID | None
    extraction_run_id: UUID | None
    created_at: datetime


# --- atoms ---------------------------------------------------------------------------------------------------


class AtomFields(Shape):
    id: UUID
    type: AtomType
    title: str
    content: str
    confidence: float
    source_message_keys: list[str]
    approved: bool
    archived: bool
    extraction_run_id: UUID | None
    created_at: datetime
    updated_at: datetime


class Atom(AtomFields):
    topics: list[TopicRef]  # best match first


class AtomPage(Shape):
    items: list[Atom]
    next_cursor: str | None


class AtomTopic(Shape):
    id: UUID
    name: str
    active: bool
    similarity: float | None


class LinkedAtom(Shape):
    atom_id: UUID
    link_type: LinkType
    strength: float
    type: AtomType
    title: str
    archived: bool


class AtomLinks(Shape):
    outgoing: list[LinkedAtom]  # this atom → another
    incoming: list[LinkedAtom]  # another → this atom


class SourceMessage(Shape):
    key: str
    text: str
    sent_at: datetime
    chat_id: str
    classification: str | None
    author: str | None


class AtomDetail(AtomFields):
    topics: list[AtomTopic]
    links: AtomLinks
    source_messages: list[SourceMessage]
    versions: list[Version]


class TopicAtom(AtomFields):
    similarity: float | None


class LinkCreated(Shape):
    atom_id: UUID
    target_atom_id: UUID
    link_type: LinkType
    strength: float
    by: str
    event_id: str


# --- topics --------------------------------------------------------------------------------------------------


class Topic(Shape):
    id: UUID
    name: str
    description: str
    keywords: list[str]
    icon: str | None
    color: str | None
    active: bool
    archived: bool
    parent_id: UUID | None
    source_message_keys: list[str]
    extraction_run_id: UUID | None
    created_at: datetime
    updated_at: datetime
    atom_count: int  # live (not archived) atoms
    message_count: int
    pending_versions: int


class TopicPage(Shape):
    items: list[Topic]
    has_more: bool


class TopicChild(Shape):
    id: UUID
    name: str
    active: bool


class TopicDetail(Topic):
    parent: TopicRef | None
    children: list[TopicChild]
    atoms_by_type: dict[str, int]
    versions: list[Version]


class TopicMessage(Shape):
    id: int
    key: str
    chat_id: str
    text: str
    sent_at: datetime
    language: str
    importance_score: float | None
    classification: str | None
    extraction_run_id: UUID | None
    author: str | None


class TopicMessagePage(Shape):
    items: list[TopicMessage]
    next_cursor: str | None


class BulkArchiveItem(Shape):
    entity_id: UUID
    status: Literal["archived", "restored", "conflict", "not_found"]
    detail: str | None = None


class BulkArchiveResult(Shape):
    results: list[BulkArchiveItem]
    done: int
    total: int


class ArchiveResult(Shape):
    entity: EntityName
    entity_id: UUID
    archived: bool
    by: str
    event_id: str


# --- versions ------------------------------------------------------------------------------------------------


class VersionListItem(Version):
    entity: EntityName
    entity_id: UUID
    entity_title: str  # the entity's current name / title


class VersionProposed(Shape):
    entity: EntityName
    entity_id: UUID
    version: int
    state: VersionState
    snapshot: dict[str, Any]
    created_by: str
    event_id: str


class ReviewResult(Shape):
    entity: EntityName
    entity_id: UUID
    version: int
    state: VersionState
    reviewed_by: str
    reason: str | None
    event_id: str


class PendingCount(Shape):
    topics: int
    atoms: int
    total: int


class VersionSide(Shape):
    version: int
    state: VersionState


class FieldChange(Shape):
    from_: Any = msgspec.field(name="from")
    to: Any


class VersionDiff(Shape):
    entity: EntityName
    entity_id: UUID
    from_: VersionSide = msgspec.field(name="from")
    to: VersionSide
    changes: dict[str, FieldChange]
    unchanged: list[str]
    text_diff: dict[str, str]  # unified diffs of name / title / description / content


class BulkItem(Shape):
    entity: EntityName
    entity_id: UUID
    version: int
    status: Literal["approved", "rejected", "conflict", "not_found"]
    event_id: str | None = None
    detail: str | None = None


class BulkResult(Shape):
    results: list[BulkItem]
    done: int
    total: int


# --- runs, schedules, rules ----------------------------------------------------------------------------------


class Run(Shape):
    id: UUID
    status: RunStatus
    trigger: str
    agent_id: UUID | None
    schedule_id: UUID | None
    chat_id: str | None
    message_keys: list[str]
    period_start: datetime | None
    period_end: datetime | None
    message_count: int
    messages_processed: int
    topics_created: int
    atoms_created: int
    links_created: int
    versions_created: int
    tokens_used: int
    prompt_tokens: int
    completion_tokens: int
    error: str | None
    cancel_requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    duration_s: float | None


class RunOutput(Shape):
    messages_consumed: int
    topics: int
    atoms: int
    pending_versions: int


class RunDetail(Run):
    in_read_model: RunOutput


class RunQueued(Shape):
    id: UUID
    status: RunStatus
    trigger: str
    chat_id: str | None
    message_keys: list[str]
    period_start: datetime | None
    period_end: datetime | None
    agent_id: UUID | None
    schedule_id: UUID | None
    message_count: int
    created_at: datetime
    event_id: str


class RunCancelling(Shape):
    id: UUID
    status: RunStatus
    requested_by: str
    event_id: str


class ScheduleFields(Shape):
    name: str
    cron: str
    kind: ScheduleKind  # extraction, or analysis: an analysis run over the lookback_hours before each due time
    project_id: UUID | None  # analysis schedules only: the run's project
    agent_id: UUID | None
    chats: list[str]
    min_score: float | None
    lookback_hours: int
    auto_approve: bool
    confidence_threshold: float
    allowed_atom_types: list[AtomType]
    active: bool


class ScheduleChanged(ScheduleFields):
    id: UUID
    event_id: str


class Schedule(ScheduleFields):
    id: UUID
    last_run_at: datetime | None
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RuleBrief(Shape):
    id: UUID
    atom_types: list[AtomType]
    min_confidence: float
    active: bool


class RunBrief(Shape):
    id: UUID
    status: RunStatus
    trigger: str
    created_at: datetime
    completed_at: datetime | None
    atoms_created: int


class AnalysisRunBrief(Shape):
    id: UUID
    status: Literal["pending", "running", "completed", "failed", "cancelled", "closed"]
    trigger: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    completed_at: datetime | None
    proposals_total: int


class ScheduleDetail(Schedule):
    rules: list[RuleBrief]
    recent_runs: list[RunBrief]  # extraction schedules' latest runs
    recent_analysis_runs: list[AnalysisRunBrief]  # analysis schedules' latest runs


class Deleted(Shape):
    id: UUID
    deleted: bool
    event_id: str


class RuleFields(Shape):
    schedule_id: UUID | None  # none: a global rule
    atom_types: list[AtomType]  # empty: every type
    min_confidence: float
    active: bool


class Rule(RuleFields):
    id: UUID
    created_at: datetime
    updated_at: datetime


class RuleChanged(RuleFields):
    id: UUID
    event_id: str


class DryRunItem(Shape):
    atom_id: UUID
    version: int
    type: AtomType
    title: str
    confidence: float


class DryRun(Shape):
    count: int
    by_type: dict[str, int]
    sample: list[DryRunItem]


# --- digest --------------------------------------------------------------------------------------------------


class DigestSource(Shape):
    key: str
    text: str
    author: str | None
    sent_at: datetime


class DigestItem(Shape):
    id: UUID
    type: AtomType
    title: str
    content: str
    confidence: float
    approved: bool
    created_at: datetime
    age_days: int
    topics: list[TopicRef]
    source_messages: list[DigestSource]


class DecisionGroup(Shape):
    topic: TopicRef | None  # None: decisions with no topic
    atoms: list[DigestItem]  # newest first


class Digest(Shape):
    days: int
    since: datetime
    generated_at: datetime
    topic: TopicRef | None
    decisions: list[DecisionGroup]
    open_problems: list[DigestItem]  # blockers and problems, oldest first
    open_questions: list[DigestItem]  # oldest first
    totals: dict[str, int]  # before the limit: decisions, open_problems, open_questions
