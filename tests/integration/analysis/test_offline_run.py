"""Acceptance: a full offline analysis run over the demo data, reviewed and closed, on the real stack."""

from __future__ import annotations

import re

from shared.testing.gateway import GatewayHarness

from .system import WINDOW, frames_until, import_demo, running_system


async def test_offline_run_over_the_demo_data_reviewed_and_closed(harness: GatewayHarness) -> None:
    async with running_system(harness) as system:
        total = await import_demo(system)
        async with system.ws("analysis,proposals,tasks") as ws:
            await ws.recv()
            run = await system.call("POST", "/api/v1/analysis/runs/", 201, json=WINDOW | {"start": True})
            await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "completed", run["id"])
            done = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
            assert done["messages_in_window"] == total
            assert 0 < done["messages_after_prefilter"] < total  # noise and short messages are dropped
            assert done["batches"] == done["batches_done"] > 0 and done["batches_failed"] == 0
            proposals = await system.call("GET", "/api/v1/proposals/", params={"run_id": run["id"], "limit": 500})
            assert len(proposals) == done["proposals_total"] == done["proposals_pending"] >= 3

            # Every proposal cites at least one message, and every cited message exists.
            assert all(p["source_message_keys"] for p in proposals)
            missing = await system.fetchval(
                "SELECT count(*) FROM task_proposals p, unnest(p.source_message_keys) k"
                " WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.key = k)"
            )
            assert missing == 0
            cited_noise = await system.fetchval(
                "SELECT count(*) FROM task_proposals p, unnest(p.source_message_keys) k JOIN messages m ON m.key = k"
                " WHERE coalesce(m.classification_override, m.classification) = 'noise'"
            )
            assert cited_noise == 0

            first, second, third, *rest = proposals
            detail = await system.call("GET", f"/api/v1/proposals/{first['id']}")
            assert [m["key"] for m in detail["messages"]] == first["source_message_keys"]
            approved = await system.call("POST", f"/api/v1/proposals/{first['id']}/approve")
            task = approved["task"]
            assert task["title"] == first["title"] and task["source_message_keys"] == first["source_message_keys"]
            assert (await system.call("GET", f"/api/v1/tasks/{task['id']}"))["proposal_id"] == first["id"]
            await system.call("POST", f"/api/v1/proposals/{first['id']}/approve", 409)
            await system.call("POST", f"/api/v1/proposals/{second['id']}/reject", json={"reason": "not a task"})
            merged = await system.call("POST", f"/api/v1/proposals/{third['id']}/merge", json={"task_id": task["id"]})
            expected_keys = list(dict.fromkeys(first["source_message_keys"] + third["source_message_keys"]))
            assert merged["task"]["source_message_keys"] == expected_keys
            pending = await system.client.post(f"/api/v1/analysis/runs/{run['id']}/close")
            assert pending.status_code == 409 and pending.json()["errors"] == {"pending_proposals": len(rest)}
            for proposal in rest:
                await system.call("POST", f"/api/v1/proposals/{proposal['id']}/reject", json={"reason": "review"})
            closed = await system.call("POST", f"/api/v1/analysis/runs/{run['id']}/close")
            frames = await frames_until(ws, "analysis.run_closed")

        n = len(proposals)
        assert (closed["status"], closed["proposals_approved"], closed["proposals_merged"]) == ("closed", 1, 1)
        assert (closed["proposals_rejected"], closed["proposals_pending"]) == (n - 2, 0)
        assert abs(closed["approval_rate"] - 2 / n) < 1e-6
        assert abs(closed["rejection_rate"] - (n - 2) / n) < 1e-6

        # The events, in order: each batch's proposals before its progress; review after completion.
        letters = {
            "analysis.run_created": "C",
            "analysis.run_started": "S",
            "proposals.created": "p",
            "analysis.run_progress": "g",
            "analysis.run_completed": "D",
            "tasks.created": "t",
            "proposals.approved": "a",
            "proposals.rejected": "r",
            "proposals.merged": "m",
            "analysis.run_closed": "X",
        }
        trace = "".join(letters[f["type"]] for f in frames)
        assert re.fullmatch(r"CS(p*g)+Dtarm r*X".replace(" ", ""), trace), trace
        assert trace.count("g") == done["batches"] and trace.count("p") == n
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(seqs)
