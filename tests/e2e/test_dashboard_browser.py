"""The dashboard in headless Chromium against a real `tracker up --demo` (deploy/dashboard/e2e, Playwright).

This test builds the dashboard into deploy/dashboard/dist (what the gateway serves at /dashboard/), starts the
embedded system on a fresh data directory, waits for the demo chat to be scored, runs the browser suite
and stops everything. Screenshots land in test-artifacts/dashboard/. It skips only when Node.js or Chromium
is missing; .ci/run installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "deploy" / "dashboard"
ARTIFACTS = REPO / "test-artifacts" / "dashboard"


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> None:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"


def _demo_scored(api: str, token: str, timeout: float = 240) -> None:
    """The demo import is done when the count stops growing and every message has a class."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        try:
            stats = httpx.get(f"{api}/api/v1/noise/stats", headers={"Authorization": f"Bearer {token}"}, timeout=5)
            body = stats.json() if stats.status_code == 200 else {}
        except httpx.HTTPError:
            body = {}
        if body.get("total", 0) > 0 and body["total"] == last and body["unscored"] == 0:
            return
        last = body.get("total", -1)
        time.sleep(2)
    raise AssertionError(f"the demo chat was not imported and scored within {timeout:.0f} s (last total {last})")


@pytest.mark.slow
@pytest.mark.timeout(900)  # build + system start + browser suite; the suite itself is about two minutes
def test_the_dashboard_works_in_a_real_browser_against_tracker_up_demo() -> None:
    npm, chromium = shutil.which("npm"), _chromium()
    if npm is None or chromium is None:
        pytest.skip("needs Node.js 20.19+ with npm and Chromium (apt-get install -y chromium); .ci/run installs both")
    if not (APP / "node_modules").is_dir():
        _run([npm, "ci", "--no-audit", "--no-fund"], cwd=APP)
    _run([npm, "run", "build"], cwd=APP)

    # Not under pytest's tmp_path: that lives in a root-only directory, and embedded PostgreSQL runs as its own
    # user when we are root, so it must be able to reach its data directory.
    scratch = Path(tempfile.mkdtemp(prefix="tt-dashboard-e2e-"))
    scratch.chmod(0o755)
    data_dir = scratch / "tracker"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL", "TT_API_TOKENS")}
    # A secret key lets the settings suite store a provider's API key (encrypted at rest) through the UI.
    env.update(TT_DATA_DIR=str(data_dir), API_PORT=str(port), TT_SECRET_KEY="dashboard-e2e-secret-passphrase")
    tracker = [sys.executable, "-m", "shared.cli.main"]
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    try:
        _run([*tracker, "up", "--detach", "--demo"], cwd=REPO, env=env, timeout=300)
        token = (data_dir / "api_token").read_text().strip()
        base = f"http://127.0.0.1:{port}"
        _demo_scored(base, token)
        suite = subprocess.run(
            [npm, "run", "e2e"],
            cwd=APP,
            env={
                **env,
                "CHROMIUM_PATH": chromium,
                "TT_E2E_BASE_URL": base,
                "TT_E2E_TOKEN": token,
                "TT_E2E_DATA_DIR": str(data_dir),
                "TT_E2E_PYTHON": sys.executable,
                "TT_E2E_REPO": str(REPO),
                "TT_E2E_ARTIFACTS": str(ARTIFACTS),
            },
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        (ARTIFACTS / "playwright.log").write_text(suite.stdout + suite.stderr)
        assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-2000:]
        assert "passed" in suite.stdout and "failed" not in suite.stdout
    finally:
        subprocess.run([*tracker, "down"], cwd=REPO, env=env, capture_output=True, timeout=120, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {"overview-laptop.png", "messages-phone.png", "reconnecting.png", "caught-up.png"} <= set(shots), shots
