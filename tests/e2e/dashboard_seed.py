"""Seed review work into a running `tracker up` for the dashboard's browser suite.

The extractor does not yet write task proposals, so the suite creates an analysis run through the API and
publishes `proposals.created` events on the bus, as the extractor will: the gateway projects them like any
other. Prints the proposal ids as JSON. Run: `python tests/e2e/dashboard_seed.py proposals N` with TT_DATA_DIR
set to the running system's data directory.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

import httpx
import nats

from shared.bus.publisher import Publisher
from shared.cli.runtime import resolve_settings
from shared.contracts import uuid7
from shared.contracts.tasks import ProposalCreated
from shared.runtime.state import read_state

TITLES = [
    ("Перенести реліз 2.4 на понеділок і оновити план тестування", "high"),
    ("Add a read replica for analytics reports", "medium"),
    ("Календар сертифікатів з нагадуванням за 30 днів", "medium"),
]


async def seed_proposals(count: int) -> list[str]:
    settings = resolve_settings()
    state = read_state(settings.data_dir) or {}
    api = next(s["health"] for n, s in state["services"].items() if n.startswith(("api", "gateway"))).removesuffix(
        "/api/health"
    )
    token = (settings.data_dir / "api_token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=10) as client:
        now = datetime.now(UTC)
        window = {"window_start": (now - timedelta(days=30)).isoformat(), "window_end": now.isoformat()}
        run = (await client.post("/api/v1/analysis/runs", json=window)).raise_for_status().json()
        keys = [m["key"] for m in (await client.get("/api/v1/messages", params={"limit": 6})).json()["items"]]
    nc = await nats.connect(settings.nats_url)
    try:
        publisher = Publisher(nc.jetstream(), producer="e2e-seed", prefix=settings.subject_prefix)
        ids = []
        for n in range(count):
            title, priority = TITLES[n % len(TITLES)]
            proposal_id = uuid7()
            await publisher.emit(
                ProposalCreated(
                    proposal_id=proposal_id,
                    run_id=run["id"],
                    title=f"{title} #{n + 1}",
                    description="Seeded by the dashboard's browser suite.",
                    priority=priority,  # type: ignore[arg-type]
                    confidence=0.8 - n * 0.1,
                    reasoning="The cited messages ask for it.",
                    source_message_keys=keys[n * 2 : n * 2 + 2],
                )
            )
            ids.append(proposal_id)
        return ids
    finally:
        await nc.close()


if __name__ == "__main__":
    what, count = sys.argv[1], int(sys.argv[2])
    assert what == "proposals", "only proposals can be seeded"
    print(json.dumps(asyncio.run(seed_proposals(count))))
