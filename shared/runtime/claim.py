"""One `tracker up` per data directory and per API port; a second one refuses and leaves the first untouched.

The API replicas share their port with SO_REUSEPORT, which any process of the same user may join: a second
`tracker up` used to start its own replicas on port 8000 beside the first run's, and the kernel spread the
first run's clients over both. So the supervisor claims, before it starts anything:
  * its data directory: an exclusive flock on `<data dir>/tracker.lock` (held for its life, released by the
    kernel however it ends), the file naming the holder's pid;
  * the API address: an abstract Unix socket named after it (Linux; released the same way), so another
    `tracker up` on any data directory sees the port as taken;
  * that nothing else listens there: a bind without SO_REUSEPORT fails while any listener holds the port.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shared.runtime.servers import listening_error

LOCK_FILE = "tracker.lock"


class AlreadyRunning(RuntimeError):
    """Another run holds the data directory or the API port; the message says which and what to do."""


@dataclass
class Claim:
    lock_fd: int
    guard: socket.socket | None = field(default=None, repr=False)

    def release(self) -> None:
        if self.guard is not None:
            self.guard.close()
            self.guard = None
        if self.lock_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.lock_fd)  # closing the descriptor drops the flock
            self.lock_fd = -1


def _holder(lock_path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(lock_path.read_text().strip())})"
    return ""


def _lock_data_dir(data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(
            f"tracker is already running on {data_dir}{_holder(path)}: `tracker status` shows it, "
            "`tracker down` stops it"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _guard_port(host: str, port: int) -> socket.socket | None:
    """An abstract Unix socket named after the API address: only one process can bind a name."""
    if not sys.platform.startswith("linux"):
        return None  # no abstract namespace: the listener probe below still refuses a port in use
    guard = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        guard.bind(f"\0task-tracker-api:{host}:{port}")
    except OSError:
        guard.close()
        raise AlreadyRunning(
            f"another `tracker up` serves the API on {host}:{port} (from another data directory): stop it with "
            "`tracker down` there, or give this one another API_PORT"
        ) from None
    return guard


def _probe_listener(host: str, port: int) -> None:
    """Fail when anything listens on the port (servers.listening_error)."""
    if (exc := listening_error(host, port)) is not None:
        raise AlreadyRunning(
            f"the API port {host}:{port} is in use by another program ({exc.strerror}): stop it, or choose "
            "another port with API_PORT"
        )


def claim(data_dir: Path, host: str, port: int) -> Claim:
    """Claim the data directory and the API address for this run, or raise AlreadyRunning."""
    held = Claim(_lock_data_dir(data_dir))
    try:
        held.guard = _guard_port(host, port)
        _probe_listener(host, port)
    except BaseException:
        held.release()
        raise
    return held
