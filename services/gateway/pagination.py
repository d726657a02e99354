"""Opaque keyset cursors over (timestamp, id): stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

import msgspec
from litestar.exceptions import ClientException


def encode_cursor(sent_at: datetime, row_id: int | str) -> str:
    raw = msgspec.json.encode([sent_at.isoformat(), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, id_type: type[int] | type[UUID] = int) -> tuple[datetime, int | UUID]:
    """The (timestamp, id) a page ended at; `id_type` is the id column's type (bigserial or uuid)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sent_at, row_id = msgspec.json.decode(raw, type=tuple[datetime, id_type])
    except (ValueError, msgspec.DecodeError):
        raise ClientException(detail="invalid cursor: pass back the next_cursor of a previous page") from None
    return sent_at, row_id
