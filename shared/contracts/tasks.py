"""Topics `tasks` and `proposals`: task proposals under review and the tasks they become."""

from __future__ import annotations

from typing import Any, Literal

from shared.contracts.common import Priority, TaskCategory, TaskStatus
from shared.contracts.envelope import EventData


class TaskCreated(EventData, frozen=True, kw_only=True):
    task_id: str
    title: str
    description: str = ""
    status: TaskStatus = "open"
    priority: Priority = "medium"
    category: TaskCategory = "feature"
    project_id: str | None = None
    assignee: str | None = None
    source_message_keys: list[str] = []
    proposal_id: str | None = None
    atom_ids: list[str] = []  # the knowledge atoms behind the task (provenance, like the message keys)


class TaskUpdated(EventData, frozen=True, kw_only=True):
    task_id: str
    changes: dict[str, Any]


class TaskStatusChanged(EventData, frozen=True, kw_only=True):
    task_id: str
    from_status: TaskStatus
    to_status: TaskStatus


class TaskDeleted(EventData, frozen=True, kw_only=True):
    task_id: str


class ProposalCreated(EventData, frozen=True, kw_only=True):
    proposal_id: str
    run_id: str
    title: str
    description: str = ""
    priority: Priority = "medium"
    category: TaskCategory = "feature"
    confidence: float = 0.0
    reasoning: str = ""
    recommendation: Literal["new_task", "update_existing", "merge", "reject"] = "new_task"
    project_id: str | None = None
    tags: list[str] = []
    source_message_keys: list[str] = []
    similar_task_id: str | None = None
    similarity: float | None = None
    atom_ids: list[str] = []


class ProposalUpdated(EventData, frozen=True, kw_only=True):
    """proposals.updated: a person edited a pending proposal; `changes` holds only editable fields."""

    proposal_id: str
    changes: dict[str, Any]


class ProposalApproved(EventData, frozen=True, kw_only=True):
    proposal_id: str
    task_id: str
    reviewer: str
    notes: str | None = None


class ProposalRejected(EventData, frozen=True, kw_only=True):
    proposal_id: str
    reviewer: str
    reason: str


class ProposalMerged(EventData, frozen=True, kw_only=True):
    """proposals.merged: the proposal's evidence (message keys, atoms) is appended to an existing task."""

    proposal_id: str
    task_id: str
    reviewer: str
    notes: str | None = None
    source_message_keys: list[str] = []
    atom_ids: list[str] = []
