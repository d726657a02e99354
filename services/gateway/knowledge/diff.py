"""What changed between two version snapshots: per field, plus a unified text diff for the prose fields."""

from __future__ import annotations

import difflib
from typing import Any

# Prose a reviewer reads line by line; other fields are shown as before → after.
TEXT_FIELDS = ("name", "title", "description", "content")


def unified(before: str, after: str, field: str, from_label: str, to_label: str) -> str:
    """A unified diff of one text field ('' when equal); lines keep their own text, any script."""
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        fromfile=f"{field}@{from_label}",
        tofile=f"{field}@{to_label}",
        lineterm="",
    )
    return "\n".join(lines)


def snapshot_diff(
    before: dict[str, Any], after: dict[str, Any], *, from_label: str = "from", to_label: str = "to"
) -> dict[str, Any]:
    """Changed fields (`{"field": {"from", "to"}}`), unchanged field names, and text diffs of the prose fields."""
    changes: dict[str, dict[str, Any]] = {}
    unchanged: list[str] = []
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            unchanged.append(field)
        else:
            changes[field] = {"from": old, "to": new}
    text = {
        field: unified(before.get(field) or "", after.get(field) or "", field, from_label, to_label)
        for field in TEXT_FIELDS
        if field in changes
        and isinstance(changes[field]["from"] or "", str)
        and isinstance(changes[field]["to"] or "", str)
    }
    return {"changes": changes, "unchanged": unchanged, "text_diff": text}
