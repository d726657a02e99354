"""Validation of search parameters: plain values in, plain values (or a clear ValueError) out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Mode = Literal["keyword", "semantic", "hybrid"]
EntityType = Literal["messages", "atoms", "topics"]
MODES: tuple[str, ...] = get_args(Mode)
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)
MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000  # a search box, not a document: longer input is truncated by the model anyway


@dataclass(frozen=True)
class SearchParams:
    query: str
    mode: Mode
    types: tuple[EntityType, ...]
    limit: int
    threshold: float

    @property
    def candidates(self) -> int:
        """How deep each ranked list goes before fusion: fusion needs more than the final page, and a message
        ranked 35th by meaning and 15th by words belongs on it (the depth the fusion weights were measured at,
        bench/search_quality.py)."""
        return min(MAX_LIMIT, max(self.limit * 5, 50))


def parse_mode(value: str) -> Mode:
    mode = value.strip().lower()
    for known in get_args(Mode):
        if mode == known:
            return known  # type: ignore[no-any-return]
    raise ValueError(f"unknown mode {value!r}; expected one of {list(MODES)}")


def parse_types(value: str | None) -> tuple[EntityType, ...]:
    """Comma-separated entity types in a stable order; empty means all."""
    if value is None or not value.strip():
        return ENTITY_TYPES  # type: ignore[return-value]
    wanted = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = sorted(wanted - set(ENTITY_TYPES))
    if unknown:
        raise ValueError(f"unknown types {unknown}; expected some of {list(ENTITY_TYPES)}")
    return tuple(t for t in ENTITY_TYPES if t in wanted)  # type: ignore[misc]


def parse_threshold(value: float | None, default: float) -> float:
    """A cosine similarity cut-off in [0, 1], 0 meaning none (rank only); None takes the configured default."""
    threshold = default if value is None else value
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    return threshold


def parse_limit(value: int | None, default: int) -> int:
    limit = default if value is None else value
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def parse_query(value: str) -> str:
    query = value.strip()
    if not query:
        raise ValueError("q must not be empty")
    return query[:MAX_QUERY_CHARS]


def search_params(
    q: str, mode: str, types: str | None, limit: int | None, threshold: float | None, *, defaults: tuple[int, float]
) -> SearchParams:
    """All parameters of GET /api/v1/search, validated; defaults = (limit, threshold)."""
    return SearchParams(
        query=parse_query(q),
        mode=parse_mode(mode),
        types=parse_types(types),
        limit=parse_limit(limit, defaults[0]),
        threshold=parse_threshold(threshold, defaults[1]),
    )
