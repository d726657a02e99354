"""The supervisor's hold on its children, with real child processes (an HTTP server whose /health we control):
one that stays alive but unhealthy is killed and restarted with backoff; a healthy one is left alone; batch work
runs at a lower CPU priority than the API replicas. A real stage that hangs is tested in
tests/e2e/test_embedded_runtime.py."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest

from shared.runtime.lifetimes import BATCH_NICENESS
from shared.runtime.servers import free_port
from shared.runtime.supervisor import Child, Supervisor
from shared.settings import Settings


def _http_child(name: str, root: Path, *, batch: bool, watched: bool) -> Child:
    """`python -m http.server` serving `root`: /health is 200 while root/health exists, 404 once it is gone."""
    port = free_port()
    return Child(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        {**os.environ},
        f"http://127.0.0.1:{port}/health",
        batch=batch,
        health_watched=watched,
    )


async def _until(check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(120)
async def test_an_alive_but_unhealthy_child_is_killed_and_restarted_and_a_healthy_one_is_left_alone(
    tmp_path: Path,
) -> None:
    sick_root, well_root = tmp_path / "sick", tmp_path / "well"
    for root in (sick_root, well_root):
        root.mkdir()
        (root / "health").write_text("ok")
    log = io.StringIO()
    supervisor = Supervisor(Settings(unhealthy_restart_s=3.0), tmp_path / "data", log=log)
    supervisor.data_dir.mkdir()
    sick = _http_child("sick", sick_root, batch=True, watched=True)
    well = _http_child("well", well_root, batch=False, watched=True)
    supervisor.children = [sick, well]
    watchers = [asyncio.create_task(supervisor.watch(c)) for c in supervisor.children]
    try:
        await _until(lambda: sick.process is not None and well.process is not None, 10)
        assert sick.process and well.process
        first_sick, first_well = sick.process.pid, well.process.pid
        # Batch work yields the CPU to the API replicas: stages, projectors and imports run nicer.
        assert os.getpriority(os.PRIO_PROCESS, first_sick) >= BATCH_NICENESS
        assert os.getpriority(os.PRIO_PROCESS, first_well) == os.getpriority(os.PRIO_PROCESS, 0)
        await asyncio.sleep(5)  # both healthy meanwhile: nobody is restarted
        assert (sick.process.pid, well.process.pid, sick.restarts) == (first_sick, first_well, 0)

        (sick_root / "health").unlink()  # the process lives on, its /health now answers 404
        await _until(lambda: sick.restarts >= 1 and sick.process is not None and sick.process.pid != first_sick, 30)
        assert "unhealthy for" in log.getvalue() and "/health answered 404" in log.getvalue()
        assert well.process.pid == first_well and well.restarts == 0

        assert "restarting in 1s (restart #1)" in log.getvalue()  # the backoff of a crash: 1 s, 2 s, 4 s, … 30 s

        # Healthy again after the restart: left alone from then on.
        (sick_root / "health").write_text("ok")
        second = sick.process.pid
        await asyncio.sleep(6)
        assert sick.process.pid == second and sick.restarts == 1
    finally:
        supervisor.stop()
        await supervisor.stop_children()
        await asyncio.gather(*watchers, return_exceptions=True)
    assert all(c.process is not None and c.process.returncode is not None for c in (sick, well))
