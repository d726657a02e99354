"""Extractor-style knowledge events for the gateway tests: one run over a few chat messages."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.contracts import EventData, uuid7
from shared.contracts.knowledge import (
    AtomCreated,
    AtomLink,
    AtomTopic,
    ExtractionCompleted,
    ExtractionProgress,
    ExtractionStarted,
    MessagesConsumed,
    TopicCreated,
    atom_id_for,
    topic_id_for,
)
from shared.testing.gateway import GatewayHarness

from .chat_events import message

TOPIC = "Deploy pipeline"
KEYS = [f"telegram:-1001:{i}" for i in range(1, 5)]


def atom(kind: str, title: str, keys: list[str], **extra: Any) -> AtomCreated:
    return AtomCreated(
        atom_id=atom_id_for(kind, title, keys),
        type=kind,  # type: ignore[arg-type]
        title=title,
        content=extra.pop("content", f"{title}. Деталі в повідомленнях."),
        confidence=extra.pop("confidence", 0.9),
        message_keys=keys,
        topics=[AtomTopic(topic_id=topic_id_for(TOPIC), similarity=0.91)],
        **extra,
    )


def run_events(run_id: str) -> tuple[list[EventData], dict[str, Any]]:
    """A completed run: one topic, a problem solved by a solution, a decision and an open question."""
    problem = atom("problem", "Деплой падає з помилкою 500", KEYS[:2])
    solution = atom(
        "solution",
        "Rollback the migration before deploy",
        KEYS[2:3],
        links=[AtomLink(target_atom_id=problem.atom_id, link_type="solves", strength=0.8)],
    )
    decision = atom("decision", "Деплоїмо лише у вівторок", KEYS[3:4], confidence=0.85)
    question = atom("question", "Who owns the staging database?", KEYS[1:2], confidence=0.75)
    topic_id = topic_id_for(TOPIC)
    events: list[EventData] = [
        ExtractionStarted(run_id=run_id, trigger="auto", chat_id="-1001", message_count=4),
        TopicCreated(
            topic_id=topic_id,
            name=TOPIC,
            description="Збірка і розгортання",
            keywords=["deploy", "деплой"],
            color="#3366ff",
            message_keys=KEYS,
            run_id=run_id,
        ),
        problem,
        solution,
        decision,
        question,
        MessagesConsumed(run_id=run_id, message_keys=KEYS, topics={k: topic_id for k in KEYS[:3]}),
        ExtractionProgress(run_id=run_id, messages_processed=4, topics_created=1, atoms_created=4),
        ExtractionCompleted(
            run_id=run_id, messages_processed=4, topics_created=1, atoms_created=4, links_created=1,
            prompt_tokens=120, completion_tokens=30,
        ),
    ]  # fmt: skip
    ids = {"topic": topic_id, "problem": problem.atom_id, "solution": solution.atom_id}
    ids |= {"decision": decision.atom_id, "question": question.atom_id}
    return events, ids | {"keys": KEYS}


async def publish(harness: GatewayHarness, events: list[EventData]) -> None:
    for event in events:
        await harness.publisher.emit(event)


async def seed_run(harness: GatewayHarness) -> tuple[str, dict[str, Any]]:
    """Messages 1–4 of chat -1001 and one completed run over them; waits until the run is projected."""
    for i in range(1, 5):
        await harness.publisher.emit(message(i))
    run_id = uuid7()
    events, ids = run_events(run_id)
    await publish(harness, events)
    await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE id = $1 AND status = 'completed'", run_id)
    return run_id, ids


async def wait_until(harness: GatewayHarness, sql: str, *args: Any, timeout: float = 15.0) -> Any:
    """Poll the read model until the query returns a non-null value."""
    async with asyncio.timeout(timeout):
        while (value := await harness.pool.fetchval(sql, *args)) is None:  # type: ignore[attr-defined]
            await asyncio.sleep(0.05)
    return value
