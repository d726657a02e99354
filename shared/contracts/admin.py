"""Topics `agents`, `providers`, `projects`, `analysis`, `experiments`: configuration and long-running jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.contracts.envelope import EventData

AgentRole = Literal["knowledge_extractor", "importance_scorer", "task_proposer", "topic_classifier", "custom"]
ProviderType = Literal["openai", "ollama", "openai_compatible", "local"]


class AgentChanged(EventData, frozen=True, kw_only=True):
    """agents.created / agents.updated: the agent's full state after the change."""

    agent_id: str
    name: str
    role: AgentRole
    provider_id: str | None = None
    model: str | None = None
    temperature: float = 0.2
    max_tokens: int = 2048
    custom_prompt: str | None = None
    active: bool = True


class AgentDeleted(EventData, frozen=True, kw_only=True):
    agent_id: str


class ProviderChanged(EventData, frozen=True, kw_only=True):
    """providers.created / providers.updated; the API key never travels in an event."""

    provider_id: str
    name: str
    type: ProviderType
    base_url: str | None = None
    active: bool = True
    # Whether a key is stored (in `provider_secrets`, written by the API alone); the key itself, or its
    # ciphertext, never travels.
    has_api_key: bool = False


class ProviderDeleted(EventData, frozen=True, kw_only=True):
    provider_id: str


class ProviderValidationStarted(EventData, frozen=True, kw_only=True):
    """providers.validation_started: the status becomes `validating` until providers.validated."""

    provider_id: str


class ProviderValidated(EventData, frozen=True, kw_only=True):
    provider_id: str
    status: Literal["connected", "error"]
    error: str | None = None
    models: list[str] = []


class ProjectChanged(EventData, frozen=True, kw_only=True):
    """projects.created / projects.updated: the project's full state after the change."""

    project_id: str
    name: str
    description: str = ""
    keywords: list[str] = []
    glossary: dict[str, str] = {}
    components: list[dict[str, Any]] = []  # [{"name": ..., "keywords": [...]}]
    priority_rules: list[dict[str, Any]] = []  # [{"keywords": [...], "priority": "high"}]
    language: str | None = None
    active: bool = True


class ProjectDeleted(EventData, frozen=True, kw_only=True):
    project_id: str


class AnalysisRunCreated(EventData, frozen=True, kw_only=True):
    """analysis.run_created: a pending run over a window; cmd.analysis.start sets it going."""

    run_id: str
    window_start: datetime
    window_end: datetime
    project_id: str | None = None
    agent_id: str | None = None
    trigger: str = "manual"
    schedule_id: str | None = None  # the schedule that started it (trigger "scheduled:<name>")


class AnalysisRunStarted(EventData, frozen=True, kw_only=True):
    run_id: str
    window_start: datetime
    window_end: datetime
    project_id: str | None = None
    agent_id: str | None = None
    trigger: str = "manual"
    schedule_id: str | None = None  # the schedule that started it (trigger "scheduled:<name>")
    messages_in_window: int = 0
    messages_after_prefilter: int = 0
    batches_total: int = 0


class AnalysisRunProgress(EventData, frozen=True, kw_only=True):
    """One batch finished (or failed: `batch_error` says why; the run goes on with the next batch)."""

    run_id: str
    batches_done: int
    batches_total: int
    proposals_total: int = 0
    batches_failed: int = 0
    batch_error: str | None = None
    tokens_used: int = 0


class AnalysisRunCompleted(EventData, frozen=True, kw_only=True):
    run_id: str
    messages_in_window: int = 0
    messages_after_prefilter: int = 0
    batches: int = 0
    proposals_total: int = 0
    tokens_used: int = 0


class AnalysisRunFailed(EventData, frozen=True, kw_only=True):
    run_id: str
    error: str


class AnalysisRunCancelled(EventData, frozen=True, kw_only=True):
    run_id: str
    reason: str | None = None


class AnalysisRunClosed(EventData, frozen=True, kw_only=True):
    """analysis.run_closed: reviewed to the end; the rates are over the run's proposals."""

    run_id: str
    proposals_total: int
    proposals_approved: int
    proposals_rejected: int
    proposals_merged: int
    approval_rate: float | None = None
    rejection_rate: float | None = None


class ExperimentCreated(EventData, frozen=True, kw_only=True):
    """experiments.experiment_created: a pending classification experiment; cmd.experiments.run runs it."""

    experiment_id: str
    sample_size: int
    agent_id: str | None = None
    provider_id: str | None = None
    model: str | None = None


class ExperimentDeleted(EventData, frozen=True, kw_only=True):
    experiment_id: str


class ExperimentStarted(EventData, frozen=True, kw_only=True):
    experiment_id: str
    provider_id: str | None = None
    model: str | None = None
    sample_size: int
    topics: list[dict[str, Any]] = []  # the topics as they were when the run began (id, name)


class ExperimentProgress(EventData, frozen=True, kw_only=True):
    experiment_id: str
    processed: int
    total: int


class ExperimentCompleted(EventData, frozen=True, kw_only=True):
    experiment_id: str
    status: Literal["completed", "failed"] = "completed"
    accuracy: float | None = None
    avg_confidence: float | None = None
    avg_latency_ms: float | None = None
    confusion: dict[str, dict[str, int]] = {}
    results: list[dict[str, Any]] = []
    error: str | None = None
