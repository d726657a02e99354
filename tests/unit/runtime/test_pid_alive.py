"""`tracker status` / `down` decide from pid_alive whether the supervisor still runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from shared.runtime.state import pid_alive


def test_a_running_process_is_alive_and_a_killed_unreaped_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert pid_alive(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pid_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Not reaped yet (no wait() so far): the process is a zombie, and a zombie is not running.
        assert not pid_alive(child.pid)
        assert os.path.exists(f"/proc/{child.pid}")
    finally:
        child.kill()
        child.wait()
    assert not pid_alive(child.pid)
