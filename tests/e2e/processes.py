"""Real service processes and a NATS server the fault tests can kill -9 and bring back on the same port."""

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


async def spawn(name: str, argv: list[str], env: dict[str, str], port: int, health_path: str, log: Path) -> Service:
    """`tracker <argv>` as a child process, returned once its health route answers 200."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.cli.main",
        *argv,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
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
        service.proc.terminate()
        try:
            await asyncio.wait_for(service.proc.wait(), 30)
        except TimeoutError:
            service.proc.kill()
            await service.proc.wait()
