"""`tracker up` under faults: the embedded NATS and PostgreSQL killed -9 are restarted and every service rides
through without a restart of its own; a supervisor killed -9 takes its services and NATS with it, and
`tracker status` / `tracker down` find and stop what is left from the state it recorded."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from shared.runtime.lifetimes import cmdline, postgres_pid
from tests.e2e.test_embedded_runtime import _ours, _tracker

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "telegram_export.json"


def _state(data_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((data_dir / "runtime.json").read_text())


def _until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with_value = check()
        if with_value:
            return with_value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_embedded_servers_are_restarted_services_survive_and_a_killed_supervisor_leaves_nothing(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "tracker"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["TT_DATA_DIR"] = str(data_dir)
    try:
        up = _tracker("up", "--detach", env=env)
        assert up.returncode == 0, up.stdout + up.stderr + (data_dir / "tracker.log").read_text()
        state = _state(data_dir)
        services = {name: s["pid"] for name, s in state["services"].items()}
        api = state["services"]["api-1"]["health"].removesuffix("/api/health")
        headers = {"Authorization": f"Bearer {(data_dir / 'api_token').read_text().strip()}"}

        def all_healthy() -> bool:
            return _tracker("status", env=env, timeout=60).returncode == 0

        # nats-server killed -9: the supervisor starts it again on the same port.
        os.kill(state["nats_pid"], signal.SIGKILL)
        _until(lambda: _state(data_dir)["nats_pid"] != state["nats_pid"], 60, "a new nats-server")
        _until(all_healthy, 90, "every service healthy after the NATS restart")

        # PostgreSQL's postmaster killed -9: restarted, pools reconnect.
        pg_dir = data_dir / "postgres"
        old_pg = postgres_pid(pg_dir)
        assert old_pg is not None
        os.kill(old_pg, signal.SIGKILL)
        _until(lambda: postgres_pid(pg_dir) not in (None, old_pg), 90, "a new postmaster")
        _until(
            lambda: httpx.get(f"{api}/api/v1/health/detailed", headers=headers, timeout=10).status_code == 200,
            90,
            "detailed health after the PostgreSQL restart",
        )

        # The pipeline still works end to end, and no service needed a restart for any of it.
        imported = _tracker("import", str(DEMO), env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr

        def scored() -> list:  # type: ignore[type-arg]
            items = httpx.get(f"{api}/api/v1/messages", headers=headers, timeout=10).json()["items"]
            return [m for m in items if m.get("classification")]

        assert _until(scored, 120, "imported messages scored and projected")
        assert {n: s["pid"] for n, s in _state(data_dir)["services"].items()} == services

        # kill -9 of the supervisor: services and NATS follow it; PostgreSQL is left for `tracker down`.
        nats_pid = _state(data_dir)["nats_pid"]
        os.kill(state["pid"], signal.SIGKILL)
        _until(lambda: not any(cmdline(p) for p in [*services.values(), nats_pid]), 60, "children to exit")
        status = _tracker("status", env=env)
        assert status.returncode == 1 and "supervisor died leaving: postgres" in status.stdout, status.stdout
    finally:
        down = _tracker("down", env=env, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    assert _ours(data_dir) == []
    assert _tracker("status", env=env).stdout.strip() == "not running"
