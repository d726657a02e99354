"""Backfill jobs end to end: HTTP API → command → ingest stage paging a HistorySource → bus → read model."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import msgspec

from services.ingest.app import build_stage
from shared.bus.service import Stage
from shared.testing.gateway import TOKEN, GatewayHarness
from shared.testing.running import serving

from .generated_history import START, GeneratedHistory
from .waiting import settled, wait_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}
A, B = "-1001000000001", "-1001000000002"


@contextlib.asynccontextmanager
async def system(
    harness: GatewayHarness, history: GeneratedHistory, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Stage]]:
    stage = build_stage(msgspec.structs.replace(harness.settings, **settings), history=lambda job_id: history)
    async with harness.serve() as base, serving(stage.app), httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        yield client, stage


async def job_status(harness: GatewayHarness, job_id: str) -> str | None:
    return await harness.pool.fetchval("SELECT status FROM ingestion_jobs WHERE id = $1::uuid", job_id)  # type: ignore[attr-defined, no-any-return]


async def finished(harness: GatewayHarness, client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    async def done() -> bool:
        return await job_status(harness, job_id) in ("completed", "failed", "cancelled")

    await wait_for(done, timeout=30)
    return (await client.get(f"/api/v1/ingestion/jobs/{job_id}")).json()  # type: ignore[no-any-return]


async def events_of(harness: GatewayHarness, job_id: str) -> list[str]:
    rows = await harness.pool.fetch(  # type: ignore[attr-defined]
        "SELECT type FROM events WHERE type LIKE 'messages.ingestion.%' AND data->>'job_id' = $1 ORDER BY seq", job_id
    )
    return [r["type"].removeprefix("messages.ingestion.") for r in rows]


async def test_a_backfill_job_runs_end_to_end_and_a_rerun_stores_nothing_twice(harness: GatewayHarness) -> None:
    history = GeneratedHistory({A: 120, B: 80})
    request = {"chats": [A, B], "depth": 1000, "batch_size": 50}
    async with system(harness, history) as (client, _):
        accepted = await client.post("/api/v1/ingestion/jobs", json=request, headers=AUTH)
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert job["status"] == "pending" and job["chats"] == [A, B] and job["batch_size"] == 50
        first = await finished(harness, client, job["id"])
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=200)
        rerun = (await client.post("/api/v1/ingestion/jobs", json=request, headers=AUTH)).json()
        second = await finished(harness, client, rerun["id"])
        await asyncio.sleep(0.3)
        stored = await harness.pool.fetchval("SELECT count(*) FROM messages")  # type: ignore[attr-defined]
        monitored = await harness.pool.fetch("SELECT chat_id FROM chats WHERE monitored ORDER BY chat_id")  # type: ignore[attr-defined]
        listed = (await client.get("/api/v1/ingestion/jobs")).json()
        lifecycle = await events_of(harness, job["id"])
    assert (first["status"], first["fetched"], first["stored"], first["skipped"], first["errors"]) == (
        "completed", 200, 200, 0, 0,
    )  # fmt: skip
    assert (second["status"], second["fetched"], second["stored"], second["skipped"]) == ("completed", 200, 0, 200)
    assert stored == 200
    assert lifecycle == ["queued", "started", *["progress"] * 5, "completed"]  # 120/50 → 3 batches, 80/50 → 2
    assert first["started_at"] is not None and first["completed_at"] is not None and first["current_chat"] == B
    assert [r["chat_id"] for r in monitored] == [A, B]
    assert [j["id"] for j in listed] == [rerun["id"], job["id"]]


async def test_a_window_limits_what_a_job_reads(harness: GatewayHarness) -> None:
    history = GeneratedHistory({A: 100})
    since, until = START + timedelta(minutes=11), START + timedelta(minutes=31)
    async with system(harness, history) as (client, _):
        job = (
            await client.post(
                "/api/v1/ingestion/jobs",
                json={"chats": [A], "since": since.isoformat(), "until": until.isoformat()},
                headers=AUTH,
            )
        ).json()
        result = await finished(harness, client, job["id"])
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=20)
        ids = await harness.pool.fetch("SELECT message_id FROM messages ORDER BY message_id")  # type: ignore[attr-defined]
    assert result["fetched"] == 20
    assert [r["message_id"] for r in ids] == list(range(11, 31))


async def test_cancelling_a_running_job_stops_it_at_the_next_batch(harness: GatewayHarness) -> None:
    gate = asyncio.Event()
    history = GeneratedHistory({A: 500}, gate=gate)
    async with system(harness, history) as (client, stage):
        job = (await client.post("/api/v1/ingestion/jobs", json={"chats": [A], "depth": 500}, headers=AUTH)).json()
        await settled(harness.pool, "SELECT fetched FROM ingestion_jobs", expect=100)
        cancel = await client.post(f"/api/v1/ingestion/jobs/{job['id']}/cancel", headers=AUTH)
        await wait_for(lambda: _flag_set(stage, job["id"]))
        gate.set()
        result = await finished(harness, client, job["id"])
        again = await client.post(f"/api/v1/ingestion/jobs/{job['id']}/cancel", headers=AUTH)
        unknown = await client.post("/api/v1/ingestion/jobs/0192a8a0-0000-7000-8000-00000000abcd/cancel", headers=AUTH)
        anonymous = await client.post(f"/api/v1/ingestion/jobs/{job['id']}/cancel", headers={"Authorization": ""})
    assert cancel.status_code == 202
    assert result["status"] == "cancelled" and result["fetched"] == 100 and result["stored"] == 100
    assert history.batches_served == 1
    assert again.status_code == 409 and unknown.status_code == 404 and anonymous.status_code == 401


async def _flag_set(stage: Stage, job_id: str) -> bool:
    return stage.state["jobs"].runs[job_id].cancel.is_set()  # type: ignore[no-any-return]


async def test_a_job_stuck_in_running_is_failed_by_the_sweeper(harness: GatewayHarness) -> None:
    never = asyncio.Event()  # the history request hangs after its first batch, as a dead connection would
    history = GeneratedHistory({A: 300}, gate=never)
    async with system(harness, history, job_timeout_s=1.0) as (client, _):
        job = (await client.post("/api/v1/ingestion/jobs", json={"chats": [A], "depth": 300}, headers=AUTH)).json()
        result = await finished(harness, client, job["id"])
    assert result["status"] == "failed"
    assert result["error"] == "timed out: running without progress for more than 1 s"
    assert result["fetched"] == 100  # the counters it had reached stay


async def test_a_job_whose_chats_cannot_be_read_fails_with_the_reason(harness: GatewayHarness) -> None:
    history = GeneratedHistory({A: 30})
    async with system(harness, history) as (client, _):
        partial = (
            await client.post("/api/v1/ingestion/jobs", json={"chats": [A, "@nobody"], "depth": 50}, headers=AUTH)
        ).json()
        failed = (
            await client.post("/api/v1/ingestion/jobs", json={"chats": ["@nobody"], "depth": 5}, headers=AUTH)
        ).json()
        partial_result = await finished(harness, client, partial["id"])
        failed_result = await finished(harness, client, failed["id"])
    assert (partial_result["status"], partial_result["fetched"], partial_result["errors"]) == ("completed", 30, 1)
    assert failed_result["status"] == "failed" and "@nobody" in failed_result["error"]


async def test_job_requests_are_validated_and_estimated(harness: GatewayHarness) -> None:
    async with system(harness, GeneratedHistory({})) as (client, _):
        no_window = await client.post("/api/v1/ingestion/jobs", json={"chats": [A]}, headers=AUTH)
        no_chats = await client.post("/api/v1/ingestion/jobs", json={"chats": [], "depth": 5}, headers=AUTH)
        naive = await client.post(
            "/api/v1/ingestion/jobs", json={"chats": [A], "since": "2024-05-01T00:00:00"}, headers=AUTH
        )
        unauthorised = await client.post(
            "/api/v1/ingestion/jobs", json={"chats": [A], "depth": 5}, headers={"Authorization": ""}
        )
        estimate = await client.get("/api/v1/ingestion/estimate", params={"chats": [A, B], "depth": 250})
    assert no_window.status_code == 400 and "depth" in no_window.json()["detail"]
    assert no_chats.status_code == naive.status_code == 400
    assert unauthorised.status_code == 401
    assert estimate.status_code == 200
    assert estimate.json()["messages"] == 500 and estimate.json()["seconds"] == 5.0
