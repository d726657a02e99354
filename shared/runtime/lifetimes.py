"""Child processes that cannot outlive `tracker up`, and finding what a dead supervisor left behind.

Services and nats-server get PR_SET_PDEATHSIG: the kernel sends them SIGTERM when the supervisor dies, even
by kill -9. PostgreSQL daemonises itself (pg_ctl), so it cannot be tied that way; `tracker down` stops it
from the data directory the supervisor recorded, together with any other recorded process still alive.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
# Batch work runs this much nicer than the API replicas, so it cannot take the CPU from the readers. Only work
# no live figure waits on: imports and the embedder and extractor. The scorer and the projector are on the live
# path (every WebSocket frame and read-your-writes waits for the projector's commit): niced, they doubled the
# fan-out latency of 1,000 WebSocket clients (bench/ws_fanout.py p50 76 -> 139 ms, load 8-9) while reads
# gained nothing measurable.
BATCH_NICENESS = 10
BATCH_SERVICES = frozenset({"embedder", "extractor"})


def die_with(parent_pid: int) -> Callable[[], None]:
    """A `preexec_fn` making the child receive SIGTERM when `parent_pid` (the spawning thread) dies."""

    def preexec() -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def batch_priority() -> None:
    """Lower this process's CPU priority to BATCH_NICENESS (never raise it: a nicer start is kept)."""
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) < BATCH_NICENESS:
            os.setpriority(os.PRIO_PROCESS, 0, BATCH_NICENESS)


def child_setup(parent_pid: int, *, batch: bool) -> Callable[[], None]:
    """The `preexec_fn` of a supervised child: dies with `parent_pid`; batch work also runs at batch priority."""
    die = die_with(parent_pid)

    def preexec() -> None:
        die()
        if batch:
            batch_priority()

    return preexec


def cmdline(pid: int) -> str:
    """The process's command line ('' if it is gone or unreadable)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive_as(pid: int, marker: str) -> bool:
    """Alive and still the process we started (its command line holds `marker`), not a reused pid."""
    return marker in cmdline(pid)


def postgres_pid(pg_dir: Path) -> int | None:
    """The postmaster's pid from postmaster.pid, if that process is alive."""
    try:
        pid = int((pg_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def terminate(pids: list[int], timeout_s: float = 20.0) -> None:
    """SIGTERM each, wait, then SIGKILL what is left."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(cmdline(pid) for pid in pids):
        time.sleep(0.2)
    for pid in pids:
        if cmdline(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def restart_delay(restarts: int, uptime_s: float) -> float:
    """Backoff before restarting a child: doubling up to 30 s while it keeps dying young, else 1 s."""
    return float(min(30.0, 2 ** min(restarts, 5))) if uptime_s < 60 else 1.0
