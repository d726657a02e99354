"""Classification experiments on the real stack: sample topic-labelled messages, classify offline by the nearest
topic embedding, progress every 10 messages, accuracy and confusion matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.contracts.knowledge import EmbeddingComputed, TopicCreated
from shared.contracts.messages import MessageEmbedded
from shared.testing.gateway import GatewayHarness
from tests.integration.gateway.scoring_seed import ingested, scored

from .system import running_system

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TOPICS = {"Платежі": 0, "Login": 10, "Релиз": 20}
TOPIC_IDS = {
    "Платежі": "0192a8a0-0000-7000-8000-0000000e0001",
    "Login": "0192a8a0-0000-7000-8000-0000000e0002",
    "Релиз": "0192a8a0-0000-7000-8000-0000000e0003",
}


def unit(direction: int, wobble: float = 0.1) -> list[float]:
    vector = [0.0] * 384
    vector[direction], vector[direction + 1] = 1.0, wobble
    return vector


async def test_an_offline_experiment_reports_accuracy_confusion_and_progress(harness: GatewayHarness) -> None:
    publisher = harness.publisher
    for name, direction in TOPICS.items():
        await publisher.emit(TopicCreated(topic_id=TOPIC_IDS[name], name=name))
        await publisher.emit(
            EmbeddingComputed(
                entity="topic", entity_id=TOPIC_IDS[name], model_id="test-e5", dimensions=384, vector=unit(direction, 0)
            )
        )
    # 25 messages: the first 20 lie next to their own topic, the last 5 (labelled Login) next to Платежі.
    labels = [name for name in TOPICS for _ in range(7)][:20] + ["Login"] * 5
    for n, label in enumerate(labels, start=1):
        message = ingested("-100555", n, T0 + timedelta(minutes=n), text=f"повідомлення {n} про {label}")
        await publisher.emit(message)
        await publisher.emit(scored(message, "signal"))
        direction = TOPICS[label] if n <= 20 else TOPICS["Платежі"]
        await publisher.emit(
            MessageEmbedded(key=message.key, model_id="test-e5", dimensions=384, vector=unit(direction))
        )
    async with running_system(harness) as system:
        await system.wait("SELECT count(*) FROM messages WHERE embedding IS NOT NULL", 25)
        await system.wait("SELECT count(*) FROM topics WHERE embedding IS NOT NULL", 3)
        for n, label in enumerate(labels, start=1):  # topic assignment as the knowledge run would leave it
            await harness.pool.execute(  # type: ignore[attr-defined]
                "UPDATE messages SET topic_id = $1 WHERE key = $2", TOPIC_IDS[label], f"telegram:-100555:{n}"
            )
        wrong_role = await system.client.post(
            "/api/v1/experiments/", json={"sample_size": 5, "agent_id": "00000000-0000-4000-8000-000000000103"}
        )
        assert wrong_role.status_code == 400 and "agent_id" in wrong_role.text
        too_big = await system.client.post("/api/v1/experiments/", json={"sample_size": 1001})
        assert too_big.status_code == 400 and "sample_size" in too_big.text

        experiment = await system.call("POST", "/api/v1/experiments/", 202, json={"sample_size": 25})
        assert experiment["status"] == "pending"
        await system.wait(
            "SELECT status FROM classification_experiments WHERE id = $1", "completed", experiment["id"], timeout=60
        )
        done = await system.call("GET", f"/api/v1/experiments/{experiment['id']}")
        assert (done["processed"], done["accuracy"]) == (25, 0.8)
        assert done["confusion"]["Login"] == {"Login": 7, "Платежі": 5}
        assert done["confusion"]["Платежі"] == {"Платежі": 7} and done["confusion"]["Релиз"] == {"Релиз": 6}
        assert 0.99 <= done["avg_confidence"] <= 1 and done["avg_latency_ms"] >= 0
        assert {t["name"] for t in done["topics_snapshot"]} == set(TOPICS)
        assert len(done["results"]) == 25 and all(r["alternatives"] for r in done["results"])
        progress = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT data FROM events WHERE type = 'experiments.experiment_progress' ORDER BY seq"
        )
        assert [p["data"]["processed"] for p in progress] == [10, 20]
        listed = await system.call("GET", "/api/v1/experiments/")
        assert [e["id"] for e in listed] == [experiment["id"]]
        await system.call("DELETE", f"/api/v1/experiments/{experiment['id']}", 204)
        await system.call("GET", f"/api/v1/experiments/{experiment['id']}", 404)
