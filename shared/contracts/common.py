"""Value types shared by several topics."""

from __future__ import annotations

from typing import Literal

Classification = Literal["signal", "weak_signal", "noise"]
Language = Literal["uk", "ru", "en", "other", "unknown"]
Priority = Literal["low", "medium", "high", "critical"]
TaskCategory = Literal["bug", "feature", "improvement", "question", "docs", "chore"]
TaskStatus = Literal["open", "in_progress", "completed", "closed"]
AtomType = Literal["problem", "solution", "decision", "question", "insight", "idea", "blocker", "risk", "requirement"]
LinkType = Literal["continues", "solves", "contradicts", "supports", "refines", "relates_to", "depends_on"]
VersionState = Literal["proposed", "approved", "rejected"]
ScheduleKind = Literal["extraction", "analysis"]
