"""What a task proposer returns for one batch: proposal drafts, each citing the messages behind it."""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.contracts.common import Priority, TaskCategory

Recommendation = Literal["new_task", "update_existing", "merge", "reject"]
PRIORITY_ORDER: tuple[Priority, ...] = ("low", "medium", "high", "critical")


class ProposalDraft(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    description: str = ""
    priority: Priority = "medium"
    category: TaskCategory = "feature"
    confidence: float = 0.5
    reasoning: str = ""
    tags: list[str] = []
    message_keys: list[str]  # never empty: a proposal nobody said anything for is not made


class BatchProposals(msgspec.Struct, frozen=True, kw_only=True):
    drafts: list[ProposalDraft] = []
    tokens_used: int = 0


class ProjectContext(msgspec.Struct, frozen=True, kw_only=True):
    """The project a run is scoped to: its keywords filter messages, its rules raise priorities."""

    name: str = ""
    keywords: list[str] = []
    glossary: dict[str, str] = {}
    components: list[dict[str, object]] = []
    priority_rules: list[dict[str, object]] = []


def higher(a: Priority, b: Priority) -> Priority:
    return a if PRIORITY_ORDER.index(a) >= PRIORITY_ORDER.index(b) else b


def recommend(
    confidence: float,
    similarity: float | None,
    *,
    merge_at: float,
    update_at: float,
    reject_below: float,
) -> Recommendation:
    """Nearly the same as an existing task → merge its evidence there; close to one → update that task; a weak
    proposal → reject; otherwise a new task."""
    if similarity is not None and similarity >= merge_at:
        return "merge"
    if similarity is not None and similarity >= update_at:
        return "update_existing"
    if confidence < reject_below:
        return "reject"
    return "new_task"
