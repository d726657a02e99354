"""A WHERE clause built from optional filters: SQL text with `{}` holes, values bound as $n (never inlined)."""

from __future__ import annotations

from typing import Any


class Where:
    """Conditions joined with AND and their bind arguments, numbered in the order they were added."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, *values: Any) -> None:
        """`condition` holds one `{}` per value, e.g. "(m.sent_at, m.id) < ({}, {})"; it must be a constant."""
        start = len(self.args) + 1
        self.conditions.append(condition.format(*(f"${start + i}" for i in range(len(values)))))
        self.args.extend(values)

    @property
    def sql(self) -> str:
        """ " WHERE a AND b", or "" when no filter was given."""
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""
