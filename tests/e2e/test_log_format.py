"""Every line a service writes has one format: structlog's, for library loggers too, with no colour codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.runtime.servers import free_port
from shared.testing.processes import spawn, stop

CONSOLE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*Z \[(debug|info|warning|error|critical)\s*\] ")


@pytest.mark.parametrize("fmt", ["json", "console"])
async def test_a_stage_writes_one_log_format_without_ansi_codes(
    fmt: str, nats_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "scorer.log"
    env = {"NATS_URL": nats_url, "TT_SUBJECT_PREFIX": subject_prefix, "STAGE_PORT": str(port), "LOG_FORMAT": fmt}
    env["DATABASE_URL"] = ""
    service = await spawn("scorer", ["stage", "scorer"], env, port, "/health", log)
    await stop(service)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert len(lines) >= 3  # uvicorn, FastStream and our own start-up lines at least
    # Neither raw nor escaped (repr or JSON) colour codes.
    assert not [line for line in lines if any(code in line for code in ("\x1b[", "\\x1b[", "\\u001b["))]
    if fmt == "json":
        records = [json.loads(line) for line in lines]
        assert all({"event", "level", "timestamp"} <= set(r) for r in records)
        assert {r.get("service") for r in records} == {"scorer"}
    else:
        assert [line for line in lines if not CONSOLE_LINE.match(line)] == []


async def test_the_projector_and_an_api_replica_write_the_same_format(
    database_url: str, nats_url: str, subject_prefix: str, tmp_path: Path
) -> None:
    from shared.db import migrate

    migrate.apply(database_url)
    env = {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "TT_SUBJECT_PREFIX": subject_prefix,
        "LOG_FORMAT": "json",
    }
    for name, argv, port_var, health in (
        ("projector", ["projector"], "STAGE_PORT", "/health"),
        ("api", ["api"], "API_PORT", "/api/health"),
    ):
        port, log = free_port(), tmp_path / f"{name}.log"
        await stop(await spawn(name, argv, {**env, port_var: str(port)}, port, health, log))
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        assert len(lines) >= 3
        records = [json.loads(line) for line in lines]  # uvicorn's and Litestar's lines too
        assert {r.get("service") for r in records} == {name}
