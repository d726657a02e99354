"""The dashboard app: its own tests pass, it builds for /dashboard/, and it knows every WebSocket topic."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.contracts import TOPICS

APP = Path(__file__).resolve().parents[3] / "deploy" / "dashboard"


def npm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed (Node.js 20+ from the npm registry builds the dashboard)")
    work = tmp_path_factory.mktemp("dashboard") / "app"
    shutil.copytree(APP, work, ignore=shutil.ignore_patterns("node_modules", "dist"))
    install = npm("ci", "--no-audit", "--no-fund", cwd=work)
    assert install.returncode == 0, install.stderr[-2000:]
    return work


def test_the_dashboards_own_tests_pass(built: Path) -> None:
    result = npm("test", cwd=built)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"# fail 0", result.stdout)


def test_the_build_is_served_under_dashboard_and_talks_to_the_api_and_websocket(built: Path) -> None:
    result = npm("run", "build", cwd=built)
    assert result.returncode == 0, result.stderr[-2000:]
    index = (built / "dist" / "index.html").read_text()
    assert "Task Tracker" in index
    scripts = re.findall(r'src="(/dashboard/assets/[^"]+\.js)"', index)
    assert scripts, index
    bundle = (built / "dist" / scripts[0].removeprefix("/dashboard/")).read_text()
    assert "/ws?" in bundle and "/api/v1/noise/stats" in bundle and "/api/v1/search" in bundle


def test_the_dashboard_offers_every_topic_the_bus_relays() -> None:
    source = (APP / "src" / "events.js").read_text()
    listed = json.loads("[" + re.search(r"TOPICS = \[(.*?)\]", source, re.S).group(1).rstrip().rstrip(",") + "]")
    assert sorted(listed) == sorted(TOPICS)
