"""Commands (`tt.cmd.<area>.<verb>`): requests for work; never relayed to WebSocket clients."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.envelope import EventData
from shared.contracts.messages import IngestionJobSpec


class ScoreUnscored(EventData, frozen=True, kw_only=True):
    batch_size: int = 100


class Reembed(EventData, frozen=True, kw_only=True):
    """Re-embed everything with the currently configured model."""

    entity: str = "all"  # all | messages | atoms | topics | terms (the vocabulary of embedded messages)


class StartIngestionJob(IngestionJobSpec, frozen=True, kw_only=True):
    pass


class CancelIngestionJob(EventData, frozen=True, kw_only=True):
    job_id: str


class StartExtraction(EventData, frozen=True, kw_only=True):
    run_id: str
    trigger: str = "manual"
    message_keys: list[str] = []
    period_start: datetime | None = None
    period_end: datetime | None = None
    chat_id: str | None = None
    agent_id: str | None = None
    schedule_id: str | None = None


class CancelRun(EventData, frozen=True, kw_only=True):
    run_id: str


class StartAnalysis(EventData, frozen=True, kw_only=True):
    """cmd.analysis.start: run the task proposer over the run's window (the run is in `analysis_runs`)."""

    run_id: str
    window_start: datetime
    window_end: datetime
    project_id: str | None = None
    agent_id: str | None = None
    trigger: str = "manual"
    schedule_id: str | None = None


class CancelAnalysis(EventData, frozen=True, kw_only=True):
    run_id: str


class RunExperiment(EventData, frozen=True, kw_only=True):
    """cmd.experiments.run: classify a TABLESAMPLE of topic-labelled messages with the topic_classifier agent."""

    experiment_id: str
    sample_size: int
    agent_id: str | None = None
