"""Extraction requests, runs and cancel; schedules and auto-approval rules over HTTP, on real JetStream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.bus.streams import stream_name
from shared.contracts import decode
from shared.contracts.knowledge import ExtractionStarted
from shared.testing.gateway import TOKEN, GatewayHarness

from .chat_events import message
from .knowledge_events import KEYS, seed_run, wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JAN_1 = "2026-01-01T00:00:00Z"


def client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base + "/api/v1/knowledge", headers=AUTH, timeout=10)


async def commands(harness: GatewayHarness, verb: str) -> list[Any]:
    """Every `cmd.extractor.<verb>` on the stream so far (what the extractor stage would consume)."""
    prefix = harness.settings.subject_prefix
    sub = await harness.js.pull_subscribe(f"{prefix}.cmd.extractor.{verb}", stream=stream_name(prefix))
    found = []
    try:
        while True:
            for msg in await sub.fetch(100, timeout=1):
                found.append(decode(msg.data, subject=msg.subject, prefix=prefix).data)
                await msg.ack()
    except TimeoutError:
        pass
    finally:
        await sub.unsubscribe()
    return found


async def test_extract_by_keys_or_period_validates_queues_a_run_and_sends_the_command(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        for i in range(1, 5):
            await harness.publisher.emit(message(i))
        await wait_until(harness, "SELECT 1 FROM messages WHERE key = $1", KEYS[-1])
        cases: list[tuple[dict[str, Any], str]] = [
            ({}, "message_keys"),
            ({"message_keys": []}, "message_keys"),
            ({"message_keys": [f"k{i}" for i in range(101)]}, "message_keys"),
            ({"message_keys": ["telegram:-1001:999"]}, "message_keys"),
            ({"message_keys": KEYS, "chat_id": "-1001"}, "message_keys"),
            ({"chat_id": "-1001"}, "period_start"),
            ({"chat_id": "-1001", "period_start": "2026-01-02T00:00:00Z", "period_end": JAN_1}, "period_end"),
            ({"chat_id": "-1001", "period_start": "2020-01-01T00:00:00Z", "period_end": JAN_1}, "chat_id"),
            ({"message_keys": KEYS, "agent_id": "00000000-0000-4000-8000-000000000102"}, "agent_id"),
            ({"message_keys": KEYS, "colour": "red"}, "colour"),
        ]  # fmt: skip
        for body, field in cases:
            response = await api.post("/extract", json=body)
            assert response.status_code == 400, (body, response.text)
            assert field in response.text, (body, response.text)

        by_keys = await api.post("/extract", json={"message_keys": [KEYS[0], KEYS[1], KEYS[0]]})
        assert by_keys.status_code == 202, by_keys.text
        run = by_keys.json()
        assert run["status"] == "pending" and run["message_keys"] == KEYS[:2] and run["trigger"] == "manual"
        start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        by_period = await api.post("/extract", json={"chat_id": "-1001", "period_start": start})
        assert by_period.status_code == 202, by_period.text
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE id = $1", by_period.json()["id"])

        runs = (await api.get("/runs")).json()
        assert [r["id"] for r in runs] == [by_period.json()["id"], run["id"]]
        assert (await api.get(f"/runs/{run['id']}")).json()["message_count"] == 2
        sent = await commands(harness, "extract")
        assert [(c.run_id, c.message_keys, c.chat_id) for c in sent] == [
            (run["id"], KEYS[:2], None),
            (by_period.json()["id"], [], "-1001"),
        ]

        # Cancel: pending → cancelling (+ the command); an ended run → 409.
        cancel = await api.post(f"/runs/{run['id']}/cancel")
        assert cancel.status_code == 202 and cancel.json()["status"] == "cancelling"
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE id = $1 AND status = 'cancelling'", run["id"])
        assert (await api.post(f"/runs/{run['id']}/cancel")).status_code == 409
        assert [c.run_id for c in await commands(harness, "cancel")] == [run["id"]]
        await harness.publisher.emit(ExtractionStarted(run_id=by_period.json()["id"], trigger="manual"))
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE status = 'running'")
        assert (await api.get("/runs", params={"status": "running"})).json()[0]["started_at"] is not None


async def test_schedule_crud_validates_cron_and_run_now_queues_a_scheduled_run(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        bad = await api.post("/schedules", json={"name": "nightly", "cron": "61 * * * *"})
        assert bad.status_code == 400 and "cron" in bad.text
        assert (
            await api.post("/schedules", json={"name": "x", "cron": "0 9 * * *", "lookback_hours": 0})
        ).status_code == 400
        created = await api.post(
            "/schedules",
            json={"name": "щоранку", "cron": "0 9 * * 1-5", "chats": ["-1001"], "allowed_atom_types": ["decision"]},
        )
        assert created.status_code == 202, created.text
        schedule_id = created.json()["id"]
        await wait_until(harness, "SELECT 1 FROM scheduled_extractions WHERE id = $1", schedule_id)
        assert (await api.post("/schedules", json={"name": "щоранку", "cron": "0 9 * * *"})).status_code == 409
        listed = (await api.get("/schedules")).json()
        assert [s["name"] for s in listed] == ["щоранку"] and listed[0]["next_run_at"] is not None

        assert (await api.patch(f"/schedules/{schedule_id}", json={"cron": "nope"})).status_code == 400
        updated = await api.patch(f"/schedules/{schedule_id}", json={"cron": "30 8 * * *", "lookback_hours": 48})
        assert updated.status_code == 202
        await wait_until(harness, "SELECT 1 FROM scheduled_extractions WHERE cron = '30 8 * * *'")
        detail = (await api.get(f"/schedules/{schedule_id}")).json()
        assert (detail["lookback_hours"], detail["chats"], detail["confidence_threshold"]) == (48, ["-1001"], 0.8)

        ran = await api.post(f"/schedules/{schedule_id}/run")
        assert ran.status_code == 202 and ran.json()["trigger"] == "scheduled:щоранку"
        (command,) = await commands(harness, "extract")
        assert (command.trigger, command.schedule_id, command.chat_id) == ("scheduled:щоранку", schedule_id, "-1001")
        assert command.period_end - command.period_start == timedelta(hours=48)
        await wait_until(harness, "SELECT 1 FROM extraction_runs WHERE schedule_id = $1", schedule_id)
        assert (await api.get(f"/schedules/{schedule_id}")).json()["recent_runs"][0]["id"] == ran.json()["id"]

        assert (await api.delete(f"/schedules/{schedule_id}")).status_code == 202
        await wait_until(harness, "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM scheduled_extractions)")
        assert (await api.get(f"/schedules/{schedule_id}")).status_code == 404


async def test_rules_crud_and_dry_run_count_what_they_would_approve(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        _, ids = await seed_run(harness)  # proposed: problem 0.9, solution 0.9, decision 0.85, question 0.75
        counts = {}
        for body in ({}, {"min_confidence": 0.85}, {"atom_types": ["decision", "question"], "min_confidence": 0.75}):
            counts[str(body)] = (await api.post("/auto-approval-rules/dry-run", json=body)).json()["count"]
        assert list(counts.values()) == [3, 3, 2]
        assert (await api.post("/auto-approval-rules/dry-run", json={"atom_types": ["bogus"]})).status_code == 400

        created = await api.post("/auto-approval-rules", json={"atom_types": ["decision"], "min_confidence": 0.85})
        assert created.status_code == 202
        rule_id = created.json()["id"]
        await wait_until(harness, "SELECT 1 FROM auto_approval_rules WHERE id = $1", rule_id)
        dry = (await api.get(f"/auto-approval-rules/{rule_id}/dry-run")).json()
        assert (
            dry["count"] == 1 and dry["by_type"] == {"decision": 1} and dry["sample"][0]["atom_id"] == ids["decision"]
        )
        assert (await api.patch(f"/auto-approval-rules/{rule_id}", json={"min_confidence": 0.9})).status_code == 202
        await wait_until(harness, "SELECT 1 FROM auto_approval_rules WHERE min_confidence > 0.89")
        assert (await api.get(f"/auto-approval-rules/{rule_id}/dry-run")).json()["count"] == 0
        assert (await api.get(f"/auto-approval-rules/{rule_id}")).json()["min_confidence"] == pytest.approx(0.9)

        unknown = {"schedule_id": "00000000-0000-4000-8000-00000000dead"}
        assert (await api.post("/auto-approval-rules", json=unknown)).status_code == 400
        schedule = (await api.post("/schedules", json={"name": "s", "cron": "0 * * * *"})).json()
        await wait_until(harness, "SELECT 1 FROM scheduled_extractions")
        scoped = await api.post("/auto-approval-rules", json={"schedule_id": schedule["id"]})
        assert scoped.status_code == 202
        await wait_until(harness, "SELECT 1 FROM auto_approval_rules WHERE schedule_id IS NOT NULL")
        # The seeded run has no schedule, so a schedule's rule would approve none of its atoms.
        assert (await api.get(f"/auto-approval-rules/{scoped.json()['id']}/dry-run")).json()["count"] == 0
        listed = (await api.get("/auto-approval-rules")).json()
        assert [r["schedule_id"] for r in listed] == [None, schedule["id"]]
        assert (await api.delete(f"/auto-approval-rules/{rule_id}")).status_code == 202
        await wait_until(
            harness, "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM auto_approval_rules WHERE id = $1)", rule_id
        )
        assert len((await api.get("/auto-approval-rules")).json()) == 1
