"""Ctrl-C on `tracker up` stops everything in order without a traceback; no command warns about XDG_RUNTIME_DIR.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group: nats-server used to get it too and
stop before the services drained, which printed a screen of connection tracebacks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_embedded_runtime import _ours


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_ctrl_c_stops_every_service_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "tracker"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["TT_DATA_DIR"] = str(data_dir)
    log = tmp_path / "up.log"
    # Its own process group, as a shell gives a foreground job; killpg below is the terminal's Ctrl-C.
    with log.open("wb") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "shared.cli.main", "up"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state_file = data_dir / "runtime.json"
            if state_file.exists():
                services = json.loads(state_file.read_text())["services"]
                if services and all(_ok(s["health"]) for s in services.values()):
                    break
            time.sleep(1)
        else:
            pytest.fail("tracker up did not become healthy:\n" + log.read_text()[-3000:])
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(120) == 0
    finally:
        if up.poll() is None:
            up.kill()
    # What the Ctrl-C caused: everything after the supervisor began stopping (a shared machine may have made a
    # service restart earlier, e.g. a port taken by another run, and that is not this test's subject).
    text = log.read_text()
    text = text[text.index("stopping services") :]
    assert "Traceback" not in text, text[text.find("Traceback") - 500 :][:3000]
    assert "stopped; data kept in" in text
    assert _ours(data_dir) == []


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_no_runtime_dir_warning_without_xdg_runtime_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    probe = "from shared.runtime.servers import _pgserver; _pgserver(); import shared.cli.main"
    result = subprocess.run([sys.executable, "-W", "default", "-c", probe], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "RuntimeDirWarning" not in result.stderr and "XDG_RUNTIME_DIR" not in result.stderr
