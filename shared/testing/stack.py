"""The split system as real processes for the latency, read-load and fan-out benches: embedded NATS and
PostgreSQL (or TT_TEST_* URLs), a migrated database, a projector, API replicas and the stages asked for, each at
the CPU priority `tracker up` gives it."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.db import migrate
from shared.runtime.lifetimes import BATCH_SERVICES
from shared.runtime.servers import free_port
from shared.testing.gateway import TOKEN
from shared.testing.infra import create_database, test_infra
from shared.testing.processes import Service, spawn, stop

WEBHOOK_SECRET = "bench-webhook-secret"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Stack:
    database_url: str
    nats_url: str
    prefix: str
    api: list[str]  # base URLs of the API replicas


@contextlib.asynccontextmanager
async def stack(*, api_replicas: int = 1, stages: Sequence[str] = ("scorer",)) -> AsyncIterator[Stack]:
    with test_infra() as infra:
        database_url = await create_database(infra.admin_database_url, "tt_bench")
        migrate.apply(database_url)
        prefix = f"b{uuid.uuid4().hex[:8]}"
        logs = Path(tempfile.mkdtemp(prefix="tt-bench-"))
        env = {
            "DATABASE_URL": database_url,
            "NATS_URL": infra.nats_url,
            "TT_SUBJECT_PREFIX": prefix,
            "TT_API_TOKENS": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "LOG_LEVEL": "WARNING",
            "TT_DATA_DIR": str(logs),
            "PATH": os.environ.get("PATH", ""),
        }
        services: list[Service] = []
        try:
            port = free_port()
            services.append(
                await spawn(
                    "projector",
                    ["projector"],
                    {**env, "STAGE_PORT": str(port)},
                    port,
                    "/health",
                    logs / "p.log",
                )
            )
            for name in stages:
                port = free_port()
                services.append(
                    await spawn(
                        name,
                        ["stage", name],
                        {**env, "STAGE_PORT": str(port)},
                        port,
                        "/health",
                        logs / f"{name}.log",
                        batch=name in BATCH_SERVICES,
                    )
                )
            api = []
            for i in range(api_replicas):
                port = free_port()
                services.append(
                    await spawn(
                        f"api{i}", ["api"], {**env, "API_PORT": str(port)}, port, "/api/health", logs / f"api{i}.log"
                    )
                )
                api.append(f"http://127.0.0.1:{port}")
            yield Stack(database_url, infra.nats_url, prefix, api)
        finally:
            for service in services:
                await stop(service)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; values in any order."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]
