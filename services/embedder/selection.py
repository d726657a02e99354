"""Which items of a batch get embedded, the ids that make their events idempotent, and vector encoding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from services.embedder.context import with_context
from services.embedder.texts import EmbedPolicy, atom_text, message_text, should_embed, topic_text
from shared.contracts import Envelope
from shared.contracts.knowledge import AtomCreated, TopicCreated
from shared.contracts.noise_filtering import MessageScored

# Seven decimals keep cosine exact to ~1e-7 while halving the JSON of each vector.
VECTOR_DECIMALS = 7


@dataclass(frozen=True)
class Pending:
    """One text to embed, the id it belongs to, and the event that asked for it (for causation).

    `context` (a short message's conversation) is embedded after the text: bench/search_quality.py measured
    this against no context and against averaging the vectors of the text alone and in context (which pulled
    every short message towards the centre and lost most).
    """

    id: str
    text: str
    cause: Envelope | None = None
    context: str | None = None

    @property
    def embedded_text(self) -> str:
        """What the provider embeds (and the event id digests)."""
        return self.text if self.context is None else with_context(self.text, self.context)


def scored_messages(envelopes: list[Envelope], policy: EmbedPolicy | str) -> list[Pending]:
    """Messages of a batch the policy accepts; a message scored twice in one batch is embedded once (last text)."""
    chosen: dict[str, Pending] = {}
    for envelope in envelopes:
        event: MessageScored = envelope.data
        text = message_text(event.text)
        if text is None or not should_embed(event.classification, policy):
            chosen.pop(event.key, None)  # a later edit to noise or to empty text supersedes the earlier one
            continue
        chosen[event.key] = Pending(event.key, text, envelope)
    return list(chosen.values())


def _latest(envelopes: list[Envelope], id_and_text: Callable[[Any], tuple[str, str]]) -> list[Pending]:
    """One item per id, the last in the batch winning."""
    latest: dict[str, Pending] = {}
    for envelope in envelopes:
        item_id, text = id_and_text(envelope.data)
        latest[item_id] = Pending(item_id, text, envelope)
    return list(latest.values())


def created_atoms(envelopes: list[Envelope]) -> list[Pending]:
    def of(atom: AtomCreated) -> tuple[str, str]:
        return atom.atom_id, atom_text(atom.title, atom.content)

    return _latest(envelopes, of)


def created_topics(envelopes: list[Envelope]) -> list[Pending]:
    def of(topic: TopicCreated) -> tuple[str, str]:
        return topic.topic_id, topic_text(topic.name, topic.description)

    return _latest(envelopes, of)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def embedding_msg_id(kind: str, item_id: str, model_id: str, text: str) -> str:
    """`Nats-Msg-Id` of an embedding event: a redelivery (same text, same model) is stored once.

    The text digest is part of it because an edited message must be re-embedded even inside the
    stream's dedupe window, while the same text under the same model never is.
    """
    return f"embedded:{kind}:{item_id}:{model_id}:{text_digest(text)}"


def vector_values(vector: np.ndarray) -> list[float]:
    return np.round(vector.astype(np.float64), VECTOR_DECIMALS).tolist()  # type: ignore[no-any-return]
