"""The registry: event type ↔ payload Struct ↔ subject ↔ WebSocket topic, and the strict codec."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import msgspec

from shared.contracts import admin, commands, knowledge, messages, noise_filtering, tasks
from shared.contracts.envelope import ContractError, Envelope, EventData, utcnow, uuid7
from shared.storable import INT64_MAX, INT64_MIN, unstorable_reason

DEFAULT_PREFIX = "tt"


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    data: type[EventData]
    kind: Literal["event", "command"] = "event"
    # WebSocket topic: the first segment of an event's type; commands have none. Read per event, so stored.
    topic: str | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "topic", None if self.kind == "command" else self.type.split(".", 1)[0])

    def subject(self, prefix: str = DEFAULT_PREFIX) -> str:
        return f"{prefix}.{self.type}"


_EVENTS: dict[str, type[EventData]] = {
    "agents.created": admin.AgentChanged,
    "agents.updated": admin.AgentChanged,
    "agents.deleted": admin.AgentDeleted,
    "tasks.created": tasks.TaskCreated,
    "tasks.updated": tasks.TaskUpdated,
    "tasks.status_changed": tasks.TaskStatusChanged,
    "tasks.deleted": tasks.TaskDeleted,
    "providers.created": admin.ProviderChanged,
    "providers.updated": admin.ProviderChanged,
    "providers.deleted": admin.ProviderDeleted,
    "providers.validation_started": admin.ProviderValidationStarted,
    "providers.validated": admin.ProviderValidated,
    "projects.created": admin.ProjectChanged,
    "projects.updated": admin.ProjectChanged,
    "projects.deleted": admin.ProjectDeleted,
    "analysis.run_created": admin.AnalysisRunCreated,
    "analysis.run_started": admin.AnalysisRunStarted,
    "analysis.run_progress": admin.AnalysisRunProgress,
    "analysis.run_completed": admin.AnalysisRunCompleted,
    "analysis.run_failed": admin.AnalysisRunFailed,
    "analysis.run_cancelled": admin.AnalysisRunCancelled,
    "analysis.run_closed": admin.AnalysisRunClosed,
    "proposals.created": tasks.ProposalCreated,
    "proposals.approved": tasks.ProposalApproved,
    "proposals.rejected": tasks.ProposalRejected,
    "proposals.updated": tasks.ProposalUpdated,
    "proposals.merged": tasks.ProposalMerged,
    "messages.ingested": messages.MessageIngested,
    "messages.updated": messages.MessageUpdated,
    "messages.embedded": messages.MessageEmbedded,
    "messages.terms_embedded": messages.TermsEmbedded,
    "messages.chat_updated": messages.ChatUpdated,
    "messages.profile_updated": messages.ProfileUpdated,
    "messages.ingestion.queued": messages.IngestionQueued,
    "messages.ingestion.started": messages.IngestionStarted,
    "messages.ingestion.progress": messages.IngestionProgress,
    "messages.ingestion.completed": messages.IngestionCompleted,
    "messages.ingestion.failed": messages.IngestionFailed,
    "messages.ingestion.cancelled": messages.IngestionCancelled,
    "experiments.experiment_created": admin.ExperimentCreated,
    "experiments.experiment_deleted": admin.ExperimentDeleted,
    "experiments.experiment_started": admin.ExperimentStarted,
    "experiments.experiment_progress": admin.ExperimentProgress,
    "experiments.experiment_completed": admin.ExperimentCompleted,
    "knowledge.extraction_queued": knowledge.ExtractionQueued,
    "knowledge.extraction_started": knowledge.ExtractionStarted,
    "knowledge.extraction_progress": knowledge.ExtractionProgress,
    "knowledge.extraction_cancelling": knowledge.ExtractionCancelling,
    "knowledge.extraction_completed": knowledge.ExtractionCompleted,
    "knowledge.messages_consumed": knowledge.MessagesConsumed,
    "knowledge.topic_created": knowledge.TopicCreated,
    "knowledge.topic_archived": knowledge.EntityArchived,
    "knowledge.topic_restored": knowledge.EntityArchived,
    "knowledge.atom_created": knowledge.AtomCreated,
    "knowledge.atom_linked": knowledge.AtomLinked,
    "knowledge.atom_archived": knowledge.EntityArchived,
    "knowledge.atom_restored": knowledge.EntityArchived,
    "knowledge.version_created": knowledge.VersionCreated,
    "knowledge.version_approved": knowledge.VersionReviewed,
    "knowledge.version_rejected": knowledge.VersionReviewed,
    "knowledge.schedule_created": knowledge.ScheduleChanged,
    "knowledge.schedule_updated": knowledge.ScheduleChanged,
    "knowledge.schedule_deleted": knowledge.ScheduleDeleted,
    "knowledge.schedule_fired": knowledge.ScheduleFired,
    "knowledge.auto_approval_rule_created": knowledge.AutoApprovalRuleChanged,
    "knowledge.auto_approval_rule_updated": knowledge.AutoApprovalRuleChanged,
    "knowledge.auto_approval_rule_deleted": knowledge.AutoApprovalRuleDeleted,
    "knowledge.embedding_computed": knowledge.EmbeddingComputed,
    "noise_filtering.message_scored": noise_filtering.MessageScored,
    "noise_filtering.batch_scored": noise_filtering.BatchScored,
    "noise_filtering.classification_overridden": noise_filtering.ClassificationOverridden,
}

_COMMANDS: dict[str, type[EventData]] = {
    "cmd.scorer.score_unscored": commands.ScoreUnscored,
    "cmd.embedder.reembed": commands.Reembed,
    "cmd.ingest.start_job": commands.StartIngestionJob,
    "cmd.ingest.cancel_job": commands.CancelIngestionJob,
    "cmd.extractor.extract": commands.StartExtraction,
    "cmd.extractor.cancel": commands.CancelRun,
    "cmd.analysis.start": commands.StartAnalysis,
    "cmd.analysis.cancel": commands.CancelAnalysis,
    "cmd.experiments.run": commands.RunExperiment,
}

REGISTRY: dict[str, EventSpec] = {
    **{t: EventSpec(t, d) for t, d in _EVENTS.items()},
    **{t: EventSpec(t, d, kind="command") for t, d in _COMMANDS.items()},
}
_BY_DATA: dict[type[EventData], str] = {}
for _spec in REGISTRY.values():
    _BY_DATA.setdefault(_spec.data, _spec.type)  # shared Structs (e.g. AgentChanged) need an explicit type

TOPICS: tuple[str, ...] = tuple(sorted({s.topic for s in REGISTRY.values() if s.topic}))


def spec_for(event_type: str) -> EventSpec:
    try:
        return REGISTRY[event_type]
    except KeyError:
        raise ContractError(f"unknown event type {event_type!r}") from None


def type_of_subject(subject: str, prefix: str = DEFAULT_PREFIX) -> str:
    if not subject.startswith(prefix + "."):
        raise ContractError(f"subject {subject!r} is outside prefix {prefix!r}")
    return subject[len(prefix) + 1 :]


def make_envelope(
    data: EventData,
    *,
    producer: str,
    event_type: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap a payload; the type is looked up from the Struct unless it is shared by several types."""
    etype = event_type or _BY_DATA.get(type(data))
    if etype is None:
        raise ContractError(f"{type(data).__name__} is not a registered payload")
    spec = spec_for(etype)
    if not isinstance(data, spec.data):
        raise ContractError(f"{etype} expects {spec.data.__name__}, got {type(data).__name__}")
    event_id = uuid7()
    return Envelope(
        id=event_id,
        type=etype,
        occurred_at=occurred_at or utcnow(),
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        producer=producer,
        data=data,
    )


_encoder = msgspec.json.Encoder()


class _RawEnvelope(Envelope, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The envelope with its payload left undecoded until the type says which Struct it must be."""

    data: msgspec.Raw


_raw_decoder = msgspec.json.Decoder(type=_RawEnvelope)
_data_decoders: dict[type[EventData], msgspec.json.Decoder[Any]] = {
    d: msgspec.json.Decoder(type=d) for d in {s.data for s in REGISTRY.values()}
}


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


# Only a payload with one of these can hold what PostgreSQL refuses (a NUL, a lone surrogate, a 64-bit overflow),
# so the exact check below runs on few messages.
_SUSPECT = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\d{19}")


def unstorable_field(value: Any, path: str = "$") -> str | None:
    """The path and reason of the first value PostgreSQL could not store, or None."""
    stack = [(path, msgspec.to_builtins(value))]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            reason = unstorable_reason(node)
            if reason:
                return f"{where}: {reason}"
        elif isinstance(node, int) and not isinstance(node, bool) and not INT64_MIN <= node <= INT64_MAX:
            return f"{where}: integer beyond 64 bits"
        elif isinstance(node, dict):
            stack.extend((f"{where}.{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(node))
    return None


def decode(payload: bytes, *, subject: str | None = None, prefix: str = DEFAULT_PREFIX) -> Envelope:
    """Decode into the envelope with its typed payload; anything else is a ContractError saying why.

    A payload the projection could not store is refused here too, so it is dead-lettered with the reason at
    decode rather than failing a database transaction.
    """
    try:
        raw = _raw_decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ContractError(f"invalid envelope: {exc}") from None
    spec = spec_for(raw.type)
    if subject is not None and type_of_subject(subject, prefix) != raw.type:
        raise ContractError(f"event type {raw.type!r} does not match subject {subject!r}")
    try:
        data = _data_decoders[spec.data].decode(raw.data)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ContractError(f"invalid {raw.type} payload: {exc}") from None
    if _SUSPECT.search(payload):
        problem = unstorable_field(data, "$.data")
        if problem:
            raise ContractError(f"invalid {raw.type} payload: {problem}")
    if raw.occurred_at.tzinfo is None:
        raise ContractError("occurred_at must carry a timezone (UTC)")
    return Envelope(**{**msgspec.structs.asdict(raw), "data": data})
