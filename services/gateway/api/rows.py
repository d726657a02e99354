"""Read-model rows as the routes use them before shaping a response: one row by id or a 404, and uuid columns
as text (events carry ids as text, so a route compares a row's ids with an event's, or a patch's, directly)."""

from __future__ import annotations

from typing import Any

from services.gateway.errors import not_found


async def one_row(pool: Any, sql: str, key: object, what: str) -> Any:
    """The row `sql` finds for `key` ($1), or 404 "no <what> <key>"."""
    row = await pool.fetchrow(sql, key)
    if row is None:
        raise not_found(what, key)
    return row


def text_ids(row: Any, *columns: str) -> dict[str, Any]:
    """The row as a dict with `columns` (uuids or uuid arrays) as text; an absent id stays None."""
    out = dict(row)
    for column in columns:
        value = row[column]
        out[column] = [str(v) for v in value] if isinstance(value, list) else (str(value) if value else None)
    return out
