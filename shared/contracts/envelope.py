"""The one envelope every event and command travels in, and its strict codec."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import msgspec


class Envelope(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    type: str
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None = None
    producer: str
    version: int = 1
    data: Any


class EventData(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every event/command payload: immutable, strict (unknown fields are an error)."""


class ContractError(ValueError):
    """An event that does not match its contract; the message says what and where."""


def uuid7() -> str:
    """A time-ordered UUIDv7 (RFC 9562), so ids sort by creation time."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"  # what str(uuid.UUID(int=value)) gives, without the object (one per event)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)
