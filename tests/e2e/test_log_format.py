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
