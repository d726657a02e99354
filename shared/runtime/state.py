"""What `tracker up` is running, written to `<data dir>/runtime.json` for `status`, `down` and other commands."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

RUNTIME_FILE = "runtime.json"
TOKEN_FILE = "api_token"
SECRET_KEY_FILE = "secret_key"


def read_state(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / RUNTIME_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def write_state(data_dir: Path, state: dict[str, Any]) -> None:
    tmp = data_dir / (RUNTIME_FILE + ".tmp")
    with private_file(tmp, "w") as handle:  # it holds the embedded database URL
        handle.write(json.dumps(state, indent=2))
    tmp.replace(data_dir / RUNTIME_FILE)


def private_file(path: Path, mode: str = "ab") -> Any:
    """Open a file in the data directory readable by its owner only (0600), whatever the umask."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    handle = os.fdopen(os.open(path, flags, 0o600), mode)
    os.chmod(path, 0o600)  # a file made before this rule keeps its old mode otherwise
    return handle


def clear_state(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / RUNTIME_FILE).unlink()


def api_token(data_dir: Path) -> str:
    """The embedded run's API token (admin scope)."""
    return private_secret(data_dir / TOKEN_FILE)


def secret_key(data_dir: Path) -> str:
    """The embedded run's TT_SECRET_KEY, which encrypts provider API keys at rest (used when none is configured)."""
    return private_secret(data_dir / SECRET_KEY_FILE)


def private_secret(path: Path) -> str:
    """A random secret made once and kept private to the owner (0600)."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def pid_alive(pid: int) -> bool:
    """True while `pid` runs. A killed process nobody has reaped yet (a zombie) is dead: a detached supervisor's
    parent is whatever adopted it, and not every init reaps promptly."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs (not Linux): signal 0 is all we can tell
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
