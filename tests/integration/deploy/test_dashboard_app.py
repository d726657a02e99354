"""The dashboard app: its own unit tests pass, it type-checks against the generated API types and builds for
/dashboard/, and every WebSocket topic it subscribes to is one the bus relays."""

from __future__ import annotations

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
        pytest.skip("npm is not installed (Node.js 20.19+ from the npm registry builds the dashboard)")
    work = tmp_path_factory.mktemp("dashboard") / "app"
    shutil.copytree(APP, work, ignore=shutil.ignore_patterns("node_modules", "dist", "test-artifacts", "schema.d.ts"))
    install = npm("ci", "--no-audit", "--no-fund", cwd=work)
    assert install.returncode == 0, install.stderr[-2000:]
    return work


def test_the_dashboards_own_tests_pass(built: Path) -> None:
    result = npm("test", cwd=built)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"Tests\s+\d+ passed", re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)), result.stdout[-2000:]


def test_the_build_type_checks_is_served_under_dashboard_and_talks_to_the_api_and_websocket(built: Path) -> None:
    result = npm("run", "build", cwd=built)  # tsc against the types generated from openapi.json, then vite
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    index = (built / "dist" / "index.html").read_text()
    assert "Task Tracker" in index
    scripts = re.findall(r'src="(/dashboard/assets/[^"]+\.js)"', index)
    assert scripts, index
    bundle = "".join(p.read_text() for p in (built / "dist" / "assets").glob("*.js"))
    assert "/ws?" in bundle  # the live socket
    for route in ("/api/v1/noise/stats", "/api/v1/messages", "/api/v1/search", "/api/v1/ingestion/jobs"):
        assert route in bundle, route


def test_every_topic_the_dashboard_subscribes_to_is_relayed_by_the_bus() -> None:
    subscribed: set[str] = set()
    for source in (APP / "src").rglob("*.tsx"):
        for listed in re.findall(r"TOPICS = \[(.*?)\]", source.read_text(), re.S):
            subscribed |= set(re.findall(r'"([a-z_]+)"', listed))
    assert subscribed, "no page subscribes to live topics"
    assert subscribed <= set(TOPICS), subscribed - set(TOPICS)
