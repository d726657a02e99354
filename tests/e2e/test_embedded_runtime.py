"""`tracker up` on a fresh data directory brings every service to healthy; `tracker down` leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest


def _tracker(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli.main", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _ours(data_dir: Path) -> list[psutil.Process]:
    """Every live process started for this data directory: services by environment, servers by command line."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(proc.info["cmdline"] or [])
            if str(data_dir) in cmdline or proc.environ().get("TT_DATA_DIR") == str(data_dir):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.mark.slow
def test_up_brings_every_service_to_healthy_and_down_leaves_no_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "tracker"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["TT_DATA_DIR"] = str(data_dir)
    try:
        up = _tracker("up", "--detach", env=env)
        assert up.returncode == 0, up.stdout + up.stderr + (data_dir / "tracker.log").read_text()
        for name in ("api-1", "api-2", "projector-1", "projector-2", "ingest", "scorer", "embedder", "extractor"):
            assert f"{name}" in up.stdout and "UNHEALTHY" not in up.stdout
        status = _tracker("status", env=env)
        assert status.returncode == 0, status.stdout
        api = next(line.split()[-1] for line in status.stdout.splitlines() if "api-1" in line)
        detailed = httpx.get(api.replace("/api/health", "/api/v1/health/detailed"), timeout=10).json()
        assert detailed["status"] == "ok", detailed
        stages = {"ingest", "scorer", "embedder", "extractor", "projector-1", "projector-2"}
        assert set(detailed["checks"]) == {"database", "bus", *stages}
        assert len(_ours(data_dir)) >= 11  # supervisor, two API replicas, two projectors, four stages, NATS, PostgreSQL
    finally:
        down = _tracker("down", env=env, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert _ours(data_dir) == []
    assert (data_dir / "postgres" / "PG_VERSION").exists()  # the data directory is kept
    assert _tracker("status", env=env).stdout.strip() == "not running"
