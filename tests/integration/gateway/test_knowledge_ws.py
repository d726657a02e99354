"""Every knowledge change, from the extractor or from a reviewer, reaches WebSocket clients of `knowledge`."""

from __future__ import annotations

import httpx

from shared.testing.gateway import TOKEN, GatewayHarness, ws_connect

from .knowledge_events import seed_run, wait_until
from .test_projection_and_ws import recv_events


async def test_extractor_and_review_events_are_relayed_on_the_knowledge_topic(harness: GatewayHarness) -> None:
    async with harness.serve() as base, ws_connect(base, "topics=knowledge") as ws:
        await ws.recv()  # connection frame
        _, ids = await seed_run(harness)
        frames = await recv_events(ws, 9)
        assert [f["type"] for f in frames] == [
            "knowledge.extraction_started",
            "knowledge.topic_created",
            *["knowledge.atom_created"] * 4,
            "knowledge.messages_consumed",
            "knowledge.extraction_progress",
            "knowledge.extraction_completed",
        ]
        assert all(f["topic"] == "knowledge" for f in frames)
        async with httpx.AsyncClient(
            base_url=base + "/api/v1/knowledge", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as api:
            assert (await api.patch(f"/atoms/{ids['problem']}", json={"title": "Нова назва"})).status_code == 202
            (proposed,) = await recv_events(ws, 1)
            assert (
                proposed["type"] == "knowledge.version_created"
                and proposed["data"]["snapshot"]["title"] == "Нова назва"
            )
            await wait_until(harness, "SELECT 1 FROM atom_versions WHERE version = 2")
            assert (await api.post(f"/versions/atom/{ids['problem']}/2/approve")).status_code == 200
            assert (await api.post(f"/atoms/{ids['question']}/archive")).status_code == 202
            assert (await api.post("/schedules", json={"name": "n", "cron": "0 9 * * *"})).status_code == 202
            assert (await api.post("/extract", json={"message_keys": [ids["keys"][0]]})).status_code == 202
            later = await recv_events(ws, 4)
        assert [f["type"] for f in later] == [
            "knowledge.version_approved",
            "knowledge.atom_archived",
            "knowledge.schedule_created",
            "knowledge.extraction_queued",  # the command that follows it is never relayed
        ]
        assert later[0]["data"]["reviewed_by"] == "api"
