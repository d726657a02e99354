"""cmd.experiments.run in the extractor stage: sample (TABLESAMPLE), classify, report every 10 messages."""

from __future__ import annotations

import time
from typing import Annotated, Any

import asyncpg
import msgspec
import numpy as np

from services.extractor.experiments.scoring import Prediction, Result, metrics, nearest_topic
from services.extractor.pools import keep_pool
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.admin import ExperimentCompleted, ExperimentProgress, ExperimentStarted
from shared.contracts.commands import RunExperiment
from shared.llm.agents import AgentUnusable, agent_for_role
from shared.llm.structured import StructuredClient, Usage
from shared.logging import get_logger

log = get_logger(__name__)
POOL = "experiments_pool"
PROGRESS_EVERY = 10
PROMPT = """Classify the team chat message (Ukrainian, Russian or English) into exactly one of the topics listed.
Answer JSON only: {"topic": <one of the names, verbatim>, "confidence": 0..1, "alternatives": [other likely names]}."""


class _Answer(msgspec.Struct, forbid_unknown_fields=False):
    topic: str
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    alternatives: list[str] = []


def register(stage: Stage) -> None:
    keep_pool(stage, POOL, max_size=2)

    @stage.handles("cmd.experiments.run")
    async def on_run(envelope: Envelope, stage: Stage) -> None:
        """Run a classification experiment."""
        await run_experiment(envelope.data, envelope, stage)


async def sample(pool: asyncpg.Pool, size: int) -> list[Any]:
    """Up to `size` messages that have a topic, by TABLESAMPLE (never ORDER BY random()); the percentage aims at
    twice the size among the labelled rows, and a short sample is taken again from the whole table."""
    labelled = await pool.fetchval("SELECT count(*) FROM messages WHERE topic_id IS NOT NULL")
    if not labelled:
        return []
    percent = min(100.0, 200.0 * size / labelled)
    query = """
        SELECT m.key, m.text, m.embedding, m.embedding_model, t.name AS actual
        FROM messages m TABLESAMPLE BERNOULLI ($1) JOIN topics t ON t.id = m.topic_id
        WHERE m.topic_id IS NOT NULL LIMIT $2
    """
    rows = await pool.fetch(query, percent, size)
    if len(rows) < min(size, labelled) and percent < 100:
        rows = await pool.fetch(query, 100.0, size)
    return list(rows)


async def run_experiment(command: RunExperiment, cause: Envelope, stage: Stage) -> None:
    pool, publisher, eid = stage.state[POOL], stage.publisher, command.experiment_id
    status = await pool.fetchval("SELECT status FROM classification_experiments WHERE id = $1", eid)
    if status not in ("pending", None):
        return  # a redelivered command of an experiment that already ran
    topics = await pool.fetch("SELECT id, name, embedding, embedding_model FROM topics WHERE active ORDER BY name")
    try:
        agent = await agent_for_role(pool, "topic_classifier", stage.settings.secret_key, command.agent_id)
    except AgentUnusable as exc:
        agent, failure = None, str(exc)
    else:
        failure = None
    started = await publisher.emit(
        ExperimentStarted(
            experiment_id=eid,
            sample_size=command.sample_size,
            model=agent.model if agent else "offline:nearest-topic",
            topics=[{"id": str(t["id"]), "name": t["name"]} for t in topics],
        ),
        caused_by=cause,
    )
    if failure or not topics:
        error = failure or "no topics to classify into"
        await publisher.emit(ExperimentCompleted(experiment_id=eid, status="failed", error=error), caused_by=started)
        return
    rows = await sample(pool, command.sample_size)
    client = StructuredClient(agent, timeout_s=stage.settings.llm_timeout_s) if agent else None
    results: list[Result] = []
    try:
        for row in rows:
            began = time.perf_counter()
            prediction, error = await _classify(row, topics, client)
            results.append(
                Result(
                    message_key=row["key"],
                    actual=row["actual"],
                    predicted=prediction.topic,
                    confidence=prediction.confidence,
                    alternatives=prediction.alternatives,
                    latency_ms=round((time.perf_counter() - began) * 1000, 3),
                    correct=prediction.topic == row["actual"],
                    error=error,
                )
            )
            if len(results) % PROGRESS_EVERY == 0 and len(results) < len(rows):
                await publisher.emit(
                    ExperimentProgress(experiment_id=eid, processed=len(results), total=len(rows)), caused_by=started
                )
    finally:
        if client is not None:
            await client.aclose()
    summary = metrics(results)
    await publisher.emit(
        ExperimentCompleted(
            experiment_id=eid,
            accuracy=summary.accuracy,
            avg_confidence=summary.avg_confidence,
            avg_latency_ms=summary.avg_latency_ms,
            confusion=summary.confusion,
            results=[msgspec.to_builtins(r) for r in results],
        ),
        caused_by=started,
    )
    log.info("experiment_completed", experiment_id=eid, messages=len(results), accuracy=summary.accuracy)


async def _classify(row: Any, topics: list[Any], client: StructuredClient | None) -> tuple[Prediction, str | None]:
    if client is None:
        model = row["embedding_model"]
        candidates = [
            (t["name"], np.asarray(t["embedding"], dtype=np.float32))
            for t in topics
            if t["embedding"] is not None and t["embedding_model"] == model
        ]
        vector = np.asarray(row["embedding"], dtype=np.float32) if row["embedding"] is not None else None
        return nearest_topic(vector, candidates), None
    names = [t["name"] for t in topics]
    user = "Topics:\n" + "\n".join(f"- {n}" for n in names) + f"\n\nMessage:\n{row['text']}"
    try:
        answer = await client.complete(PROMPT, user, _Answer, "topic", Usage())
    except Exception as exc:  # one message's failure is its result, not the experiment's
        return Prediction(topic=None), f"{type(exc).__name__}: {str(exc)[:200]}"
    topic = answer.topic if answer.topic in names else None
    return Prediction(topic=topic, confidence=answer.confidence, alternatives=answer.alternatives[:3]), (
        None if topic else f"answered a topic that is not listed: {answer.topic[:100]!r}"
    )
