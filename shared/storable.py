"""What PostgreSQL can store: one definition for the API's edge checks and the ingest normaliser.

`text` and `jsonb` refuse the NUL character, and an unpaired UTF-16 surrogate (which JSON's `\\ud800` escape
can produce) is not encodable as UTF-8 at all. Everything else Unicode allows is stored as is.
"""

from __future__ import annotations

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # BIGINT


def unstorable_reason(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return f"contains a NUL character (position {found.start()}), which cannot be stored"
    return f"contains an unpaired surrogate (position {found.start()}), which is not valid Unicode text"


def storable_text(text: str) -> str:
    """`text` without NUL characters and with unpaired surrogates replaced by U+FFFD."""
    if _UNSTORABLE.search(text) is None:
        return text
    return text.replace("\x00", "").encode("utf-16", "surrogatepass").decode("utf-16", "replace")
