"""Real service processes (tests, benches) and NATS servers the fault tests can kill -9 and restart in place."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.runtime.lifetimes import batch_priority
from shared.runtime.servers import free_port, start_nats


@dataclass
class NatsNode:
    """One nats-server with its own store; `crash` is kill -9, `start` reuses the port and the store."""

    store: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc, _, _ = start_nats(self.store, port=self.port, log_file=self.store.parent / "nats.log")

    def crash(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc = None


@dataclass
class Service:
    name: str
    proc: asyncio.subprocess.Process
    health: str


async def spawn(
    name: str, argv: list[str], env: dict[str, str], port: int, health_path: str, log: Path, *, batch: bool = False
) -> Service:
    """`tracker <argv>` as a child process, returned once its health route answers 200. `batch` runs it at the
    lower CPU priority `tracker up` gives batch work (lifetimes.BATCH_SERVICES)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.cli.main",
        *argv,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=batch_priority if batch else None,
    )
    health = f"http://127.0.0.1:{port}{health_path}"
    async with httpx.AsyncClient(timeout=1) as client:
        for _ in range(600):
            if proc.returncode is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(health)).status_code == 200:
                    return Service(name, proc, health)
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{name} did not become healthy; see {log}")


async def stop(service: Service) -> None:
    if service.proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            service.proc.terminate()
        try:
            await asyncio.wait_for(service.proc.wait(), 30)
        except TimeoutError:
            service.proc.kill()
            await service.proc.wait()


CLUSTER_NODE = """\
server_name: {name}
listen: 127.0.0.1:{port}
jetstream {{
  store_dir: "{store}"
  max_memory_store: 128MB
  max_file_store: 1GB
}}
cluster {{
  name: tt-test
  listen: 127.0.0.1:{route_port}
  routes: [{routes}]
}}
max_payload: 8MB
"""


@dataclass
class ClusterNode:
    name: str
    root: Path
    port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[int]) -> None:
        from shared.runtime.servers import nats_server_binary

        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nats.conf"
        conf.write_text(
            CLUSTER_NODE.format(
                name=self.name,
                port=self.port,
                store=self.root / "jetstream",
                route_port=self.route_port,
                routes=", ".join(f"nats-route://127.0.0.1:{p}" for p in routes if p != self.route_port),
            )
        )
        log = (self.root / "server.log").open("ab")
        self.proc = subprocess.Popen([nats_server_binary(), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)

    def crash(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None


@contextlib.contextmanager
def nats_cluster(root: Path, size: int = 3):  # type: ignore[no-untyped-def]
    """A JetStream cluster of `size` nodes on loopback; yields the nodes once a stream of R3 can be placed."""
    from shared.runtime.servers import wait_for_port

    nodes = [ClusterNode(f"n{i}", root / f"n{i}") for i in range(1, size + 1)]
    try:
        for node in nodes:
            node.start([n.route_port for n in nodes])
        for node in nodes:
            wait_for_port(node.port, proc=node.proc)
        yield nodes
    finally:
        for node in nodes:
            if node.proc is not None:
                node.proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.proc.wait(10)
                if node.proc.poll() is None:
                    node.proc.kill()
