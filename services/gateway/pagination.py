"""Opaque keyset cursors over (sent_at, id): stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
from datetime import datetime

import msgspec
from litestar.exceptions import ClientException


def encode_cursor(sent_at: datetime, row_id: int) -> str:
    raw = msgspec.json.encode([sent_at.isoformat(), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sent_at, row_id = msgspec.json.decode(raw, type=tuple[datetime, int])
    except (ValueError, msgspec.DecodeError):
        raise ClientException(detail="invalid cursor: pass back the next_cursor of a previous page") from None
    return sent_at, row_id
