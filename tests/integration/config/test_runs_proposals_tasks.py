"""Analysis runs, proposal review and tasks through the API; the stage's events are published by the test."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from services.gateway.projections import by_name
from services.gateway.projections.runner import replay
from shared.contracts import utcnow, uuid7
from shared.contracts.admin import AnalysisRunCompleted, AnalysisRunProgress, AnalysisRunStarted
from shared.contracts.tasks import ProposalCreated
from shared.testing.gateway import GatewayHarness, ws_connect
from tests.integration.gateway.chat_events import publish_messages

from .api import gateway, ok

CHAT = "-1001"


def key(i: int) -> str:
    return f"telegram:{CHAT}:{i}"


async def wait_for(condition: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def publish_run(harness: GatewayHarness, run: dict[str, Any], proposals: list[dict[str, Any]]) -> list[str]:
    """What the extractor stage publishes for a run: started, one proposal per batch with progress, completed."""
    publisher = harness.publisher
    started = await publisher.emit(
        AnalysisRunStarted(
            run_id=run["id"],
            window_start=run["window_start"],
            window_end=run["window_end"],
            agent_id=run["agent_id"],
            messages_in_window=12,
            messages_after_prefilter=10,
            batches_total=len(proposals),
        )
    )
    ids = []
    for n, fields in enumerate(proposals, start=1):
        proposal = ProposalCreated(proposal_id=uuid7(), run_id=run["id"], **fields)
        await publisher.emit(proposal, caused_by=started)
        await publisher.emit(
            AnalysisRunProgress(run_id=run["id"], batches_done=n, batches_total=len(proposals), proposals_total=n),
            caused_by=started,
        )
        ids.append(proposal.proposal_id)
    await publisher.emit(
        AnalysisRunCompleted(
            run_id=run["id"],
            messages_in_window=12,
            messages_after_prefilter=10,
            batches=len(proposals),
            proposals_total=len(proposals),
        ),
        caused_by=started,
    )
    return ids


async def test_run_review_and_close_with_counters_and_events_in_order(harness: GatewayHarness) -> None:
    await publish_messages(harness, range(1, 13))
    now = utcnow()
    async with gateway(harness) as client:
        async with ws_connect(str(client.base_url), "topics=analysis,proposals,tasks") as ws:
            await ws.recv()
            await wait_for(lambda: _count(harness, "SELECT count(*) FROM messages", 12))
            window = {"window_start": (now - timedelta(days=1)).isoformat(), "window_end": now.isoformat()}

            bad_window = await client.post(
                "/api/v1/analysis/runs/", json={"window_start": now.isoformat(), "window_end": now.isoformat()}
            )
            assert bad_window.status_code == 400 and "window_end" in bad_window.text
            wrong_agent = await client.post(
                "/api/v1/analysis/runs/", json=window | {"agent_id": "00000000-0000-4000-8000-000000000101"}
            )
            assert wrong_agent.status_code == 400 and "agent_id" in wrong_agent.text

            run = ok(await client.post("/api/v1/analysis/runs/", json=window), 201)
            assert run["status"] == "pending" and run["agent_id"] == "00000000-0000-4000-8000-000000000103"
            ok(await client.post(f"/api/v1/analysis/runs/{run['id']}/start"), 202)
            await wait_for(lambda: _count(harness, "SELECT count(*) FROM events WHERE type = 'cmd.analysis.start'", 1))

            p_approve, p_reject, p_merge, p_edit = await publish_run(
                harness,
                run,
                [
                    {
                        "title": "Fix login 500",
                        "priority": "high",
                        "category": "bug",
                        "source_message_keys": [key(1), key(2)],
                    },
                    {"title": "Обговорити обід", "source_message_keys": [key(3)]},
                    {"title": "Login error again", "recommendation": "merge", "source_message_keys": [key(4), key(1)]},
                    {"title": "Написати документацію", "category": "docs", "source_message_keys": [key(5)]},
                ],
            )
            await wait_for(lambda: _run_status(harness, run["id"], "completed"))
            detail = ok(await client.get(f"/api/v1/analysis/runs/{run['id']}"))
            assert (detail["proposals_total"], detail["proposals_pending"], detail["batches_done"]) == (4, 4, 4)
            assert detail["recommendations"] == {"new_task": 3, "merge": 1}
            assert (await client.post(f"/api/v1/analysis/runs/{run['id']}/start")).status_code == 409

            listed = ok(await client.get("/api/v1/proposals/", params={"run_id": run["id"], "status": "pending"}))
            assert [p["id"] for p in listed] == [p_approve, p_reject, p_merge, p_edit]
            shown = ok(await client.get(f"/api/v1/proposals/{p_approve}"))
            assert [m["key"] for m in shown["messages"]] == [key(1), key(2)]
            assert "повідомлення 1" in shown["messages"][0]["text"]

            approved = ok(await client.post(f"/api/v1/proposals/{p_approve}/approve", json={"reviewer": "olena"}))
            task = approved["task"]
            assert approved["proposal"]["status"] == "approved" and approved["proposal"]["task_id"] == task["id"]
            assert (task["title"], task["priority"], task["category"], task["proposal_id"]) == (
                "Fix login 500",
                "high",
                "bug",
                p_approve,
            )
            again = await client.post(f"/api/v1/proposals/{p_approve}/approve")
            assert again.status_code == 409 and "approved" in again.text

            no_reason = await client.post(f"/api/v1/proposals/{p_reject}/reject", json={"reason": "  "})
            assert no_reason.status_code == 400 and "reason" in no_reason.text
            assert (await client.post(f"/api/v1/proposals/{p_reject}/reject", json={})).status_code == 400
            rejected = ok(await client.post(f"/api/v1/proposals/{p_reject}/reject", json={"reason": "не задача"}))
            assert rejected["status"] == "rejected" and rejected["review_notes"] == "не задача"

            unknown_task = await client.post(
                f"/api/v1/proposals/{p_merge}/merge", json={"task_id": "0192a8a0-0000-7000-8000-0000000000ff"}
            )
            assert unknown_task.status_code == 400 and "task_id" in unknown_task.text
            merged = ok(await client.post(f"/api/v1/proposals/{p_merge}/merge", json={"task_id": task["id"]}))
            assert merged["proposal"]["status"] == "merged"
            assert merged["task"]["source_message_keys"] == [key(1), key(2), key(4)]

            edited = ok(
                await client.patch(f"/api/v1/proposals/{p_edit}", json={"title": "Write the docs", "tags": ["docs"]})
            )
            assert (edited["title"], edited["tags"], edited["status"]) == ("Write the docs", ["docs"], "pending")
            assert (await client.patch(f"/api/v1/proposals/{p_reject}", json={"title": "x"})).status_code == 409

            not_yet = await client.post(f"/api/v1/analysis/runs/{run['id']}/close")
            assert not_yet.status_code == 409 and not_yet.json()["errors"] == {"pending_proposals": 1}
            ok(await client.post(f"/api/v1/proposals/{p_edit}/reject", json={"reason": "duplicate of the wiki"}))
            closed = ok(await client.post(f"/api/v1/analysis/runs/{run['id']}/close"))
            assert closed["status"] == "closed"
            assert (
                closed["proposals_total"],
                closed["proposals_approved"],
                closed["proposals_rejected"],
                closed["proposals_merged"],
                closed["proposals_pending"],
            ) == (4, 1, 2, 1, 0)
            assert (closed["approval_rate"], closed["rejection_rate"]) == (0.5, 0.5)

            task_detail = ok(await client.get(f"/api/v1/tasks/{task['id']}"))
            assert [m["key"] for m in task_detail["messages"]] == [key(1), key(2), key(4)]
            assert {p["id"]: p["status"] for p in task_detail["proposals"]} == {
                p_approve: "approved",
                p_merge: "merged",
            }

            frames = await _frames(ws, 30)
        assert [f["type"] for f in frames] == [
            "analysis.run_created",
            "analysis.run_started",
            *["proposals.created", "analysis.run_progress"] * 4,
            "analysis.run_completed",
            "tasks.created",
            "proposals.approved",
            "proposals.rejected",
            "proposals.merged",
            "proposals.updated",
            "proposals.rejected",
            "analysis.run_closed",
        ]
    # Replay gives the same rows as the live projection.
    before = await _snapshot(harness)
    await replay(harness.pool, [by_name("configuration"), by_name("tasks")])  # type: ignore[arg-type]
    assert await _snapshot(harness) == before


async def test_tasks_crud_status_and_assignee(harness: GatewayHarness) -> None:
    await publish_messages(harness, range(1, 4))
    async with gateway(harness) as client:
        await wait_for(lambda: _count(harness, "SELECT count(*) FROM messages", 3))
        project = ok(await client.post("/api/v1/projects/", json={"name": "Core"}), 201)
        unknown = await client.post("/api/v1/tasks/", json={"title": "x", "source_message_keys": [key(99)]})
        assert unknown.status_code == 400 and "source_message_keys" in unknown.text and key(99) in unknown.text
        blank = await client.post("/api/v1/tasks/", json={"title": "   "})
        assert blank.status_code == 400 and "title" in blank.text
        bad_project = await client.post(
            "/api/v1/tasks/", json={"title": "x", "project_id": "0192a8a0-0000-7000-8000-0000000000ff"}
        )
        assert bad_project.status_code == 400 and "project_id" in bad_project.text

        task = ok(
            await client.post(
                "/api/v1/tasks/",
                json={"title": "Налаштувати CI", "project_id": project["id"], "source_message_keys": [key(2), key(1)]},
            ),
            201,
        )
        assert (task["status"], task["project_id"], task["source_message_keys"]) == (
            "open",
            project["id"],
            [key(2), key(1)],
        )
        moved = ok(await client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "in_progress"}))
        assert moved["status"] == "in_progress"
        assert (await client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "done"})).status_code == 400
        assigned = ok(await client.patch(f"/api/v1/tasks/{task['id']}", json={"assignee": "taras", "priority": "high"}))
        assert (assigned["assignee"], assigned["priority"]) == ("taras", "high")
        unassigned = ok(await client.patch(f"/api/v1/tasks/{task['id']}", json={"assignee": None}))
        assert unassigned["assignee"] is None
        ok(await client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "completed"}))
        assert [t["id"] for t in ok(await client.get("/api/v1/tasks/", params={"status": "completed"}))] == [task["id"]]
        assert ok(await client.get("/api/v1/tasks/", params={"q": "ci"}))[0]["id"] == task["id"]
        detail = ok(await client.get(f"/api/v1/tasks/{task['id']}"))
        assert [m["key"] for m in detail["messages"]] == [key(2), key(1)]
        changes = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT data FROM events WHERE type = 'tasks.status_changed' ORDER BY seq"
        )
        assert [(c["data"]["from_status"], c["data"]["to_status"]) for c in changes] == [
            ("open", "in_progress"),
            ("in_progress", "completed"),
        ]
        ok(await client.delete(f"/api/v1/tasks/{task['id']}"), 204)
        assert (await client.get(f"/api/v1/tasks/{task['id']}")).status_code == 404


async def test_cancel_a_pending_run_and_close_it_without_proposals(harness: GatewayHarness) -> None:
    now = utcnow()
    async with gateway(harness) as client:
        window = {"window_start": (now - timedelta(hours=2)).isoformat(), "window_end": now.isoformat()}
        run = ok(await client.post("/api/v1/analysis/runs/", json=window), 201)
        early = await client.post(f"/api/v1/analysis/runs/{run['id']}/close")
        assert early.status_code == 409 and "pending" in early.text
        cancelled = ok(await client.post(f"/api/v1/analysis/runs/{run['id']}/cancel"), 202)
        assert cancelled["status"] == "cancelled"
        assert (await client.post(f"/api/v1/analysis/runs/{run['id']}/cancel")).status_code == 409
        closed = ok(await client.post(f"/api/v1/analysis/runs/{run['id']}/close"))
        assert (closed["status"], closed["approval_rate"], closed["rejection_rate"]) == ("closed", None, None)
        assert [r["id"] for r in ok(await client.get("/api/v1/analysis/runs/", params={"status": "closed"}))] == [
            run["id"]
        ]
        assert (await client.get("/api/v1/analysis/runs/", headers={"Authorization": "Bearer nope"})).status_code == 401


async def _count(harness: GatewayHarness, sql: str, at_least: int) -> bool:
    return await harness.pool.fetchval(sql) >= at_least  # type: ignore[attr-defined, no-any-return]


async def _run_status(harness: GatewayHarness, run_id: str, status: str) -> bool:
    return await harness.pool.fetchval("SELECT status FROM analysis_runs WHERE id = $1", run_id) == status  # type: ignore[attr-defined, no-any-return]


async def _frames(ws: Any, most: int) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(2):
            while len(frames) < most:
                frame = json.loads(await ws.recv())
                if "seq" in frame:
                    frames.append(frame)
    except TimeoutError:
        pass
    return frames


async def _snapshot(harness: GatewayHarness) -> list[Any]:
    return [
        [dict(r) for r in await harness.pool.fetch(sql)]  # type: ignore[attr-defined]
        for sql in (
            "SELECT * FROM analysis_runs ORDER BY id",
            "SELECT * FROM task_proposals ORDER BY id",
            "SELECT * FROM tasks ORDER BY id",
        )
    ]
