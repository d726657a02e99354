"""Analysis runs at their edges: similar tasks by embedding, an agent that cannot run, cancelling mid-run."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.knowledge import AtomCreated
from shared.contracts.messages import MessageEmbedded
from shared.testing.gateway import GatewayHarness
from shared.testing.openai_server import OpenAICompatible
from shared.testing.running import serving
from tests.integration.gateway.scoring_seed import ingested, scored

from .system import running_system

T0 = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)
RUN_WINDOW = {"window_start": "2025-05-05T00:00:00Z", "window_end": "2025-05-06T00:00:00Z"}
CHAT = "-100777"


def unit(direction: int, wobble: float = 0.0) -> list[float]:
    vector = [0.0] * 384
    vector[direction] = 1.0
    vector[direction + 1] = wobble
    return vector


async def seed(harness: GatewayHarness, texts: list[str], vectors: list[list[float]] | None = None) -> None:
    """Messages as the ingest, scorer and embedder stages would publish them."""
    for n, text in enumerate(texts, start=1):
        message = ingested(CHAT, n, T0 + timedelta(minutes=n * 20), text=text)  # 20 min apart: one conversation each
        await harness.publisher.emit(message)
        await harness.publisher.emit(scored(message, "signal"))
        if vectors is not None:
            await harness.publisher.emit(
                MessageEmbedded(key=message.key, model_id="test-e5", dimensions=384, vector=vectors[n - 1])
            )


async def test_a_proposal_like_an_existing_task_recommends_merging_into_it(harness: GatewayHarness) -> None:
    texts = [
        "Login fails with error 500 after the last deploy",
        "Логін знову падає з помилкою 500 після деплою",
        "Нужно добавить экспорт отчётов в CSV для бухгалтерии",
    ]
    await seed(harness, texts, [unit(0), unit(0, 0.05), unit(10)])
    atom = AtomCreated(
        atom_id="0192a8a0-0000-7000-8000-00000000a70a",
        type="problem",
        title="Login 500 after deploy",
        content=texts[1],
        confidence=0.9,
        message_keys=[f"telegram:{CHAT}:2"],
    )
    await harness.publisher.emit(atom)
    async with running_system(harness) as system:
        await system.wait("SELECT count(*) FROM messages WHERE embedding IS NOT NULL", 3)
        task = await system.call(
            "POST",
            "/api/v1/tasks/",
            201,
            json={"title": "Fix login 500", "source_message_keys": [f"telegram:{CHAT}:1"]},
        )
        assert await system.fetchval("SELECT embedding_model FROM tasks WHERE id = $1", task["id"]) == "test-e5"
        run = await system.call("POST", "/api/v1/analysis/runs/", 201, json=RUN_WINDOW | {"start": True})
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "completed", run["id"])
        proposals = await system.call("GET", "/api/v1/proposals/", params={"run_id": run["id"]})
        by_key = {p["source_message_keys"][0]: p for p in proposals}
        login, export = by_key[f"telegram:{CHAT}:2"], by_key[f"telegram:{CHAT}:3"]
        assert (login["similar_task_id"], login["recommendation"]) == (task["id"], "merge")
        assert login["similarity"] > 0.99
        assert export["similar_task_id"] == task["id"] and export["similarity"] < 0.1
        assert export["recommendation"] == "new_task"
        detail = await system.call("GET", f"/api/v1/proposals/{login['id']}")
        assert detail["similar_task"]["id"] == task["id"]
        # The proposal links the knowledge atom drawn from its message; the task it becomes links it too.
        assert login["atom_ids"] == [atom.atom_id] and export["atom_ids"] == []
        approved = await system.call("POST", f"/api/v1/proposals/{login['id']}/approve")
        task_detail = await system.call("GET", f"/api/v1/tasks/{approved['task']['id']}")
        assert task_detail["atom_ids"] == [atom.atom_id]
        assert [a["id"] for a in task_detail["atoms"]] == [atom.atom_id]


async def test_an_agent_that_cannot_run_fails_the_run_with_the_reason(harness: GatewayHarness) -> None:
    await seed(harness, ["Login fails with error 500 after the last deploy"])
    async with running_system(harness) as system:
        provider = await system.call(
            "POST",
            "/api/v1/providers/",
            201,
            json={"name": "never-validated", "type": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"},
        )
        agent = await system.call(
            "POST",
            "/api/v1/agents/",
            201,
            json={"name": "no-model", "role": "task_proposer", "provider_id": provider["id"]},
        )
        run = await system.call(
            "POST", "/api/v1/analysis/runs/", 201, json=RUN_WINDOW | {"agent_id": agent["id"], "start": True}
        )
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "failed", run["id"])
        failed = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
        assert "has no model" in failed["error"] and failed["proposals_total"] == 0
        stats = await system.call("GET", f"/api/v1/agents/{agent['id']}/stats")
        assert (stats["runs_total"], stats["runs_failed"], stats["success_rate"]) == (1, 1, 0.0)


class HeldOpen:
    """A model endpoint whose answers (a proposal by default) wait until the test releases them."""

    def __init__(self, answer: str = json.dumps({"proposals": [{"title": "Fix it", "message_ids": [1]}]})) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.answer = answer

    async def __call__(self, body: dict[str, Any]) -> str:
        self.calls += 1
        await self.release.wait()
        return self.answer

    async def called(self) -> None:
        async with asyncio.timeout(20):
            while not self.calls:
                await asyncio.sleep(0.05)


async def llm_agent(system: Any, llm_base: str) -> str:
    """A task_proposer agent on the local OpenAI-compatible server; its id."""
    provider = await system.call(
        "POST",
        "/api/v1/providers/",
        201,
        json={"name": "lab", "type": "openai_compatible", "base_url": f"{llm_base}/v1"},
    )
    agent = await system.call(
        "POST",
        "/api/v1/agents/",
        201,
        json={"name": "llm-proposer", "role": "task_proposer", "provider_id": provider["id"], "model": "m"},
    )
    return str(agent["id"])


async def start_run(system: Any, agent_id: str) -> dict[str, Any]:
    """Create and start a run over RUN_WINDOW with the agent."""
    return await system.call(  # type: ignore[no-any-return]
        "POST", "/api/v1/analysis/runs/", 201, json=RUN_WINDOW | {"agent_id": agent_id, "start": True}
    )


FIVE_BUGS = [f"Bug {n}: the login screen crashes with error 500 on Android" for n in range(1, 6)]


async def test_a_running_run_cancelled_stops_at_its_next_batch(harness: GatewayHarness) -> None:
    held = HeldOpen()
    await seed(harness, FIVE_BUGS)
    async with (
        serving(OpenAICompatible(reply=held, model="m").app(), health_path="/health") as llm_base,
        running_system(harness, extraction_batch_size=1) as system,
    ):
        run = await start_run(system, await llm_agent(system, llm_base))
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "running", run["id"])
        await held.called()
        await system.call("POST", f"/api/v1/analysis/runs/{run['id']}/cancel", 202)
        await system.wait("SELECT count(*) FROM events WHERE type = 'cmd.analysis.cancel'", 1)
        await asyncio.sleep(0.5)  # the stage has taken the cancel before the batch returns
        held.release.set()
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "cancelled", run["id"])
        cancelled = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
        assert (cancelled["batches"], cancelled["batches_done"], cancelled["proposals_total"]) == (5, 1, 1)
        assert "cancelled after 1 of 5 batches" in cancelled["error"] and held.calls == 1
        await system.call("POST", f"/api/v1/analysis/runs/{run['id']}/cancel", 409)


async def test_a_run_whose_every_batch_fails_fails_with_the_last_reason_and_publishes_no_proposal(
    harness: GatewayHarness,
) -> None:
    """Provider errors (HTTP 500, after the SDK's one retry) and a malformed answer: each batch reports its
    error on the progress event; with none left that succeeded, the run fails as documented."""
    answers: list[str] = []

    def failing(body: dict[str, Any]) -> str | tuple[int, str]:
        answers.append("x")
        if "Bug 5" in body["messages"][1]["content"]:
            return '{"proposals": [{"title": "", "message_ids": []}]}'
        return (500, "the model is overloaded")

    await seed(harness, FIVE_BUGS)
    async with (
        serving(OpenAICompatible(reply=failing, model="m").app(), health_path="/health") as llm_base,
        running_system(harness, extraction_batch_size=1) as system,
    ):
        run = await start_run(system, await llm_agent(system, llm_base))
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "failed", run["id"], timeout=120)
        failed = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
        assert (failed["batches"], failed["batches_done"], failed["batches_failed"]) == (5, 5, 5)
        assert failed["error"].startswith("every batch failed; the last: malformed answer")
        assert failed["proposals_total"] == 0
        assert await system.fetchval("SELECT count(*) FROM events WHERE type = 'proposals.created'") == 0
        progress = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT data->>'batch_error' AS error FROM events WHERE type = 'analysis.run_progress' ORDER BY seq"
        )
        errors = [p["error"] for p in progress]
        assert len(errors) == 5 and all(errors)
        assert sum("overloaded" in e for e in errors) == 4 and sum("malformed answer" in e for e in errors) == 1
        assert len(answers) == 4 * 2 + 2  # each 500 retried once by the SDK, the misfit once by our client
