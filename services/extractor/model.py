"""The extractor's domain values: what a run reads (source messages) and what extraction proposes.

Plain frozen Structs shared by the offline extractor, the LLM extractor, matching and the stage, so every
extractor produces the same shape and matching never knows which one ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from shared.contracts.common import AtomType, LinkType

Vector = npt.NDArray[np.float32]  # L2-normalised, so cosine similarity is a dot product

ATOM_TYPES: tuple[AtomType, ...] = (
    "problem",
    "solution",
    "decision",
    "question",
    "insight",
    "idea",
    "blocker",
    "risk",
    "requirement",
)
MIN_CONFIDENCE = 0.7  # SPEC §3: items below are dropped, whichever extractor proposed them
TITLE_MAX = 200


class SourceMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One scored message a run may read (from the read model, or from an eval file)."""

    key: str
    text: str
    sent_at: datetime | None = None
    chat_id: str = ""
    thread_id: int | None = None
    reply_to: int | None = None
    message_id: int | None = None
    author: str | None = None
    language: str | None = None
    classification: str = "signal"  # signal | weak_signal | noise (effective: a person's override wins)
    score: float = 1.0


class TopicDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A topic an extractor proposes; `message_keys` are the messages it groups."""

    name: str
    description: str
    keywords: list[str]
    confidence: float
    message_keys: list[str]


class LinkDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A link between two atoms of one batch, by their index in the batch's atom list."""

    source: int
    target: int
    link_type: LinkType
    strength: float = 0.8


class AtomDraft(msgspec.Struct, frozen=True, kw_only=True):
    type: AtomType
    title: str
    content: str
    confidence: float
    message_keys: list[str]
    topic: str | None = None  # the proposing batch's topic name


class BatchExtraction(msgspec.Struct, frozen=True, kw_only=True):
    """What one extractor call proposed for one batch of conversations."""

    topics: list[TopicDraft] = []
    atoms: list[AtomDraft] = []
    links: list[LinkDraft] = []
    prompt_tokens: int = 0
    completion_tokens: int = 0


def clip_title(text: str, limit: int = TITLE_MAX) -> str:
    """One line, at most `limit` characters, cut at a word boundary with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "…"


def atom_snapshot(kind: str, title: str, content: str, confidence: float, keys: Sequence[str]) -> dict[str, Any]:
    """The reviewable fields of an atom (the contract's `AtomSnapshot`): a version's snapshot."""
    return {
        "type": kind,
        "title": title,
        "content": content,
        "confidence": round(float(confidence), 3),
        "source_message_keys": sorted(keys),
    }
