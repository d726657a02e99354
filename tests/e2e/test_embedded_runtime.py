"""`tracker up` on a fresh data directory brings every service to healthy; a second `tracker up` on the same data
directory or port refuses and leaves the first untouched; a stage that hangs (alive, /health unanswered) is
killed and restarted by the supervisor; `tracker down` leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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


def _services(data_dir: Path) -> dict[str, int]:
    state = json.loads((data_dir / "runtime.json").read_text())
    return {name: s["pid"] for name, s in state["services"].items()}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_up_brings_every_service_to_healthy_and_down_leaves_no_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "tracker"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["TT_DATA_DIR"] = str(data_dir)
    env["TT_UNHEALTHY_RESTART_S"] = "10"  # short, so a hung stage is replaced within the test
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

        # A second `tracker up` refuses, whether on the same data directory or on the same port from another one,
        # before starting anything; the first run is untouched.
        pids = _services(data_dir)
        again = _tracker("up", env=env, timeout=60)
        assert again.returncode == 1 and f"already running on {data_dir}" in again.stderr, again.stderr
        other = {**env, "TT_DATA_DIR": str(tmp_path / "other")}
        beside = _tracker("up", "--detach", env=other, timeout=60)
        assert beside.returncode == 1, beside.stdout + beside.stderr
        assert "another `tracker up` serves the API on 127.0.0.1:8000" in beside.stderr, beside.stderr
        assert not (tmp_path / "other" / "postgres").exists() and _ours(tmp_path / "other") == []
        assert _services(data_dir) == pids and _tracker("status", env=env).returncode == 0

        # A stage that hangs (alive, its /health unanswered) is killed and restarted; nothing else is touched.
        os.kill(pids["scorer"], signal.SIGSTOP)
        deadline = time.monotonic() + 120
        while _services(data_dir)["scorer"] == pids["scorer"]:
            assert time.monotonic() < deadline, "the hung scorer was not replaced"
            time.sleep(1)
        assert not psutil.pid_exists(pids["scorer"]) or psutil.Process(pids["scorer"]).status() == "zombie"
        while _tracker("status", env=env).returncode != 0:
            assert time.monotonic() < deadline, "the restarted scorer did not become healthy"
            time.sleep(1)
        assert {n: p for n, p in _services(data_dir).items() if n != "scorer"} == {
            n: p for n, p in pids.items() if n != "scorer"
        }

        # So is an API replica that hangs: it is probed on its own port, not the shared one the other answers on.
        state = json.loads((data_dir / "runtime.json").read_text())
        assert state["services"]["api-1"]["health"] != state["services"]["api-2"]["health"]
        pids = _services(data_dir)
        os.kill(pids["api-1"], signal.SIGSTOP)
        deadline = time.monotonic() + 120
        while _services(data_dir)["api-1"] == pids["api-1"]:
            assert time.monotonic() < deadline, "the hung API replica was not replaced"
            time.sleep(1)
        while _tracker("status", env=env).returncode != 0:
            assert time.monotonic() < deadline, "the restarted API replica did not become healthy"
            time.sleep(1)
        assert httpx.get("http://127.0.0.1:8000/api/health", timeout=10).status_code == 200  # the shared port
        assert {n: p for n, p in _services(data_dir).items() if n != "api-1"} == {
            n: p for n, p in pids.items() if n != "api-1"
        }
    finally:
        down = _tracker("down", env=env, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert _ours(data_dir) == []
    assert (data_dir / "postgres" / "PG_VERSION").exists()  # the data directory is kept
    assert _tracker("status", env=env).stdout.strip() == "not running"
