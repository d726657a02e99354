"""`tracker up --demo` ends with a browsable knowledge base: topics and atoms in the API and on the WebSocket."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets


def _tracker(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli.main", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


async def _replayed_types(ws_url: str, token: str) -> set[str]:
    """Event types the WebSocket replays on the `knowledge` topic from the start of the log."""
    types: set[str] = set()
    async with websockets.connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        try:
            async with asyncio.timeout(10):
                while "knowledge.atom_created" not in types:
                    frame = json.loads(await ws.recv())
                    if "seq" in frame:
                        types.add(frame["type"])
        except TimeoutError:
            pass
    return types


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_the_demo_ends_with_topics_and_atoms_visible_through_the_api_and_the_websocket(tmp_path: Path) -> None:
    data_dir = tmp_path / "tracker"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["TT_DATA_DIR"] = str(data_dir)
    try:
        up = _tracker("up", "--detach", "--demo", env=env)
        assert up.returncode == 0, up.stdout + up.stderr
        state = json.loads((data_dir / "runtime.json").read_text())
        api = next(s["health"] for n, s in state["services"].items() if n.startswith("api")).removesuffix("/api/health")
        token = (data_dir / "api_token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 900
        runs: list = []  # type: ignore[type-arg]
        while time.monotonic() < deadline:
            runs = httpx.get(f"{api}/api/v1/knowledge/runs", headers=headers, timeout=10).json()
            if any(r["status"] in ("completed", "failed") for r in runs):
                break
            time.sleep(3)
        assert [r["status"] for r in runs] == ["completed"], runs
        topics = httpx.get(f"{api}/api/v1/knowledge/topics", headers=headers, timeout=10).json()
        atoms = httpx.get(f"{api}/api/v1/knowledge/atoms", headers=headers, timeout=10).json()
        topics = topics["items"] if isinstance(topics, dict) else topics
        atoms = atoms["items"] if isinstance(atoms, dict) else atoms
        assert len(topics) >= 5 and len(atoms) >= 20
        assert {"decision", "problem", "question"} <= {a["type"] for a in atoms}
        ws = api.replace("http://", "ws://") + "/ws?topics=knowledge&since=0"
        types = asyncio.run(_replayed_types(ws, token))
        assert {"knowledge.topic_created", "knowledge.atom_created"} <= types
    finally:
        down = _tracker("down", env=env, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
