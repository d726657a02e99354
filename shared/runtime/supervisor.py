"""`tracker up`: embedded infrastructure plus the five services as supervised child processes.

Children are restarted when they crash (with backoff), the embedded nats-server and PostgreSQL too, and so is
a child that is alive but whose /health stays unhealthy or unanswered past `TT_UNHEALTHY_RESTART_S` (a stage that
stopped consuming, a hung process): it is killed and restarted with the same backoff. Batch work (the embedder,
the extractor, the demo import) runs at a lower CPU priority than the API replicas. Their output is merged into
one log, each line prefixed with the service name. SIGTERM/SIGINT stops the services first (they drain), then
NATS and PostgreSQL if this run started them. The data directory is kept.
Services and NATS die with the supervisor (PR_SET_PDEATHSIG); what they are, and PostgreSQL's directory,
are recorded in the runtime state from the start, so `tracker down` can stop leftovers of a killed run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from shared.db import migrate
from shared.runtime.lifetimes import BATCH_SERVICES, child_setup, die_with, postgres_pid, restart_delay
from shared.runtime.servers import free_port, listening_error, start_nats, start_postgres, stop_postgres
from shared.runtime.state import TOKEN_FILE, api_token, clear_state, secret_key, write_state
from shared.settings import Settings

DEMO_EXPORT = Path(__file__).resolve().parents[2] / "data" / "demo" / "telegram_export.json"
STAGE_PORTS = {"ingest": 8101, "scorer": 8102, "embedder": 8103, "extractor": 8104}
PROJECTOR_PORTS = {"projector-1": 8105, "projector-2": 8106}  # one active, one standby
FIRST_API_OWN_PORT = 8111  # API replica i also listens on this + i - 1, alone (its health is probed there)
STOP_TIMEOUT_S = 25.0
HEALTH_EVERY_S = 2.0
HEALTH_TIMEOUT_S = 5.0  # an answer slower than this counts as none (a loaded machine answers well within it)
START_GRACE_S = 120.0  # a child not yet healthy once is starting (migrations, models) for at most this long
KILL_GRACE_S = 10.0  # an unhealthy child gets this long to stop on SIGTERM before SIGKILL


def port_or_free(preferred: int) -> int:
    """`preferred` unless something listens there."""
    return free_port() if listening_error("127.0.0.1", preferred) else preferred


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str
    batch: bool = False  # runs at batch priority (lifetimes.BATCH_NICENESS)
    health_watched: bool = False  # restarted when /health stays unhealthy (needs a health port of its own)
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    pump: asyncio.Task[None] | None = field(default=None, repr=False)


class Supervisor:
    def __init__(self, settings: Settings, data_dir: Path, log: TextIO = sys.stdout, demo: bool = False) -> None:
        self.settings, self.data_dir, self.log, self.demo = settings, data_dir, log, demo
        self.children: list[Child] = []
        self._stopping = asyncio.Event()
        self._token = ""
        self.api_url = ""  # the address the API replicas share
        self._nats_proc: subprocess.Popen[bytes] | None = None
        self._nats_port = 0
        self._pg_dir: Path | None = None
        self._urls = ("", "")

    def say(self, name: str, line: str) -> None:
        self.log.write(f"{time.strftime('%H:%M:%S')} {name:>9} | {line}\n")
        self.log.flush()

    # -- infrastructure ---------------------------------------------------------------------
    def start_infrastructure(self) -> tuple[str, str]:
        database_url, nats_url = self.settings.database_url, self.settings.nats_url
        if not database_url:
            self._pg_dir = self.data_dir / "postgres"
            database_url = start_postgres(self._pg_dir)
            self.say("postgres", f"embedded PostgreSQL + pgvector at {self._pg_dir}")
        if not nats_url:
            self._nats_port = port_or_free(4222)
            nats_url = self._start_nats()
        self._urls = (database_url, nats_url)
        self._write_state()  # from here on, `tracker down` can clean up after a killed supervisor
        applied = migrate.apply(database_url)
        self.say("migrate", f"{len(applied)} migration(s) applied" if applied else "schema up to date")
        return database_url, nats_url

    def _start_nats(self) -> str:
        self._nats_proc, nats_url, monitor = start_nats(
            self.data_dir / "nats",
            port=self._nats_port,
            log_file=self.data_dir / "nats.log",
            preexec_fn=die_with(os.getpid()),
        )
        self.say("nats", f"embedded NATS JetStream at {nats_url} (monitor :{monitor}, pid {self._nats_proc.pid})")
        return nats_url

    async def _watch_infrastructure(self) -> None:
        """Restart the embedded nats-server or PostgreSQL when it dies; services reconnect by themselves."""
        restarts = {"nats": 0, "postgres": 0}
        started = {"nats": time.monotonic(), "postgres": time.monotonic()}
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=1.0)
            if self._stopping.is_set():
                return
            down = []
            if self._nats_proc is not None and self._nats_proc.poll() is not None:
                down.append(("nats", f"exited with code {self._nats_proc.returncode}"))
            if self._pg_dir is not None and postgres_pid(self._pg_dir) is None:
                down.append(("postgres", "is not running"))
            for name, why in down:
                delay = restart_delay(restarts[name], time.monotonic() - started[name])
                restarts[name] += 1
                self.say(name, f"{why}; restarting in {delay:.0f}s (restart #{restarts[name]})")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=delay)
                if self._stopping.is_set():
                    return
                try:
                    if name == "nats":
                        self._start_nats()  # in this thread: the death signal is tied to the spawning thread
                    else:
                        assert self._pg_dir is not None
                        await asyncio.to_thread(start_postgres, self._pg_dir, restart=True)
                        self.say("postgres", "restarted")
                    started[name] = time.monotonic()
                except Exception as exc:
                    self.say(name, f"restart failed: {exc!r}; retrying")
                self._write_state()

    def stop_infrastructure(self) -> None:
        if self._nats_proc is not None:
            self._nats_proc.terminate()
            with contextlib.suppress(Exception):
                self._nats_proc.wait(15)
            self.say("nats", "stopped")
        if self._pg_dir is not None:
            stop_postgres(self._pg_dir)
            self.say("postgres", "stopped")

    # -- children ---------------------------------------------------------------------------
    def plan(self, database_url: str, nats_url: str, token: str) -> None:
        base_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "NATS_URL": nats_url,
            "TT_API_TOKENS": token,
            # Provider keys can be stored from the first start; a configured TT_SECRET_KEY wins.
            "TT_SECRET_KEY": self.settings.secret_key or secret_key(self.data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        stage_urls = {}
        commands = {name: ["stage", name] for name in STAGE_PORTS} | {name: ["projector"] for name in PROJECTOR_PORTS}
        for name, preferred in (STAGE_PORTS | PROJECTOR_PORTS).items():
            port = port_or_free(preferred)
            url = f"http://127.0.0.1:{port}"
            stage_urls[name] = url
            self.children.append(
                Child(
                    name,
                    [sys.executable, "-m", "shared.cli.main", *commands[name]],
                    {**base_env, "STAGE_PORT": str(port)},
                    f"{url}/health",
                    batch=name in BATCH_SERVICES,
                    health_watched=True,
                )
            )
        api_port = self.settings.api_port  # claimed by `tracker up` (shared/runtime/claim.py): never moved
        api_env = {
            **base_env,
            "API_PORT": str(api_port),
            "TT_STAGE_URLS": ",".join(f"{k}={v}" for k, v in stage_urls.items()),
        }
        self.api_url = f"http://127.0.0.1:{api_port}"
        # Stateless API replicas share one port (SO_REUSEPORT); the projectors write the read models. A probe of
        # the shared port reaches any one replica, so each replica also listens on a port of its own, where its
        # health is probed and a hung replica is found and restarted.
        replicas = self.settings.api_replicas
        for i in range(replicas, 0, -1):
            own = port_or_free(FIRST_API_OWN_PORT + i - 1)
            self.children.insert(
                0,
                Child(
                    f"api-{i}" if replicas > 1 else "api",
                    [sys.executable, "-m", "shared.cli.main", "api"],
                    {**api_env, "API_HEALTH_PORT": str(own)},
                    f"http://127.0.0.1:{own}/api/health",
                    health_watched=True,
                ),
            )

    async def _spawn(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            env=child.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            umask=0o077,  # what services write in the data directory (avatars, …) is the owner's only
            start_new_session=True,  # a Ctrl-C in the terminal reaches only the supervisor, which stops them in order
            preexec_fn=child_setup(os.getpid(), batch=child.batch),  # a killed supervisor takes them with it
        )
        child.started_at = time.monotonic()
        child.pump = asyncio.create_task(self._pump(child))
        if child.health_url:
            self._write_state()

    async def _pump(self, child: Child) -> None:
        assert child.process and child.process.stdout
        async for raw in child.process.stdout:
            self.say(child.name, raw.decode(errors="replace").rstrip())

    async def watch(self, child: Child) -> None:
        """Keep `child` running until the supervisor stops: restart it with backoff when it exits, or when it
        stays unhealthy past the deadline (then it is killed first)."""
        while not self._stopping.is_set():
            await self._spawn(child)
            assert child.process
            exited = asyncio.ensure_future(child.process.wait())
            sick = asyncio.ensure_future(self._until_unhealthy(child)) if child.health_watched else None
            await asyncio.wait([f for f in (exited, sick) if f is not None], return_when=asyncio.FIRST_COMPLETED)
            if sick is not None and sick.done() and not exited.done():
                self.say(child.name, f"{sick.result()}; killing it")
                await self._kill(child)
            if sick is not None:
                sick.cancel()
            code = await exited
            if child.pump:
                await child.pump
            if self._stopping.is_set():
                return
            delay = restart_delay(child.restarts, time.monotonic() - child.started_at)
            child.restarts += 1
            self.say(child.name, f"exited with code {code}; restarting in {delay:.0f}s (restart #{child.restarts})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    async def _until_unhealthy(self, child: Child) -> str:
        """Returns (with the reason) once the child's /health has failed continuously for the deadline; a child
        that has not been healthy yet is given START_GRACE_S to start first."""
        deadline = self.settings.unhealthy_restart_s
        started = time.monotonic()
        healthy_once = False
        failing_since: float | None = None
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_S) as client:
            while True:
                await asyncio.sleep(HEALTH_EVERY_S)
                try:
                    answer = await client.get(child.health_url)
                    problem = None if answer.status_code == 200 else f"/health answered {answer.status_code}"
                    if problem and answer.headers.get("content-type", "").startswith("application/json"):
                        with contextlib.suppress(ValueError, AttributeError):
                            problem += f" ({answer.json().get('problem') or answer.json().get('status')})"
                except httpx.HTTPError as exc:
                    problem = f"/health did not answer ({type(exc).__name__})"
                now = time.monotonic()
                if problem is None:
                    healthy_once, failing_since = True, None
                    continue
                if not healthy_once and now - started < max(START_GRACE_S, deadline):
                    continue
                failing_since = failing_since if failing_since is not None else now
                if now - failing_since >= deadline:
                    return f"unhealthy for {now - failing_since:.0f} s: {problem}"

    async def _kill(self, child: Child) -> None:
        """SIGTERM (a stuck child may still drain), then SIGKILL (a hung or stopped one will not)."""
        assert child.process
        with contextlib.suppress(ProcessLookupError):
            child.process.terminate()
        try:
            await asyncio.wait_for(asyncio.shield(child.process.wait()), timeout=KILL_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()

    def stop(self) -> None:
        """Ask the run to stop (what SIGTERM and SIGINT do)."""
        self._stopping.set()

    async def stop_children(self) -> None:
        for child in self.children:
            if child.process and child.process.returncode is None:
                child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children:
            if child.process and child.process.returncode is None:
                try:
                    await asyncio.wait_for(child.process.wait(), timeout=max(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    self.say(child.name, "did not stop in time; killing")
                    child.process.kill()
                    await child.process.wait()

    async def _import_demo(self) -> None:
        """Import the demo chat once, when every service is healthy (the marker file keeps it to once)."""
        marker = self.data_dir / "demo-imported"
        if marker.exists():
            self.say("demo", "already imported")
            return
        async with httpx.AsyncClient(timeout=2) as client:
            while not self._stopping.is_set():
                results = await asyncio.gather(
                    *(client.get(c.health_url) for c in self.children), return_exceptions=True
                )
                if all(isinstance(r, httpx.Response) and r.status_code == 200 for r in results):
                    break
                await asyncio.sleep(1)
        child = Child(
            "demo",
            [sys.executable, "-m", "shared.cli.main", "import", str(DEMO_EXPORT)],
            self.children[0].env,
            "",
            batch=True,
        )
        await self._spawn(child)
        assert child.process
        imported = await child.process.wait() == 0
        if child.pump:
            await child.pump
        if imported:
            marker.touch()
            await self._extract_demo()

    async def _extract_demo(self) -> None:
        """Ask for one extraction of the demo chat over its whole history, and report what it built.

        The export's dates are from 2025, outside the auto trigger's 24 h window, and replaying it unchanged
        keeps its message keys and times true to the export; one run over the chat's whole period gives a
        browsable knowledge base in one step (the same `POST /api/v1/knowledge/extract` a person would send).
        """
        base = self.api_url
        headers = {"Authorization": f"Bearer {self._token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            previous = None
            stable = 0
            while stable < 3 and not self._stopping.is_set():  # scoring has settled: counts unchanged 3 polls
                stats = (await client.get("/api/v1/noise/stats")).json()
                current = (stats.get("total"), stats.get("unscored"))
                stable = stable + 1 if current == previous and stats.get("total") and not stats.get("unscored") else 0
                previous = current
                await asyncio.sleep(2)
            for chat in (await client.get("/api/v1/chats")).json():
                answer = await client.post(
                    "/api/v1/knowledge/extract",
                    json={"chat_id": chat["chat_id"], "period_start": "2000-01-01T00:00:00Z"},
                )
                if answer.status_code != 202:
                    self.say("demo", f"extraction not started: {answer.status_code} {answer.text}")
                    continue
                run_id = answer.json()["id"]
                while not self._stopping.is_set():
                    run = (await client.get(f"/api/v1/knowledge/runs/{run_id}")).json()
                    if run.get("status") in ("completed", "failed", "cancelled"):
                        self.say(
                            "demo",
                            f"knowledge extraction {run['status']}: {run.get('topics_created', 0)} topics, "
                            f"{run.get('atoms_created', 0)} atoms ({base}/api/v1/knowledge/topics)",
                        )
                        break
                    await asyncio.sleep(2)

    def _write_state(self) -> None:
        database_url, nats_url = self._urls
        write_state(
            self.data_dir,
            {
                "pid": os.getpid(),
                "api": self.api_url,
                # Only embedded URLs are written down: a configured URL may carry a password.
                "database_url": database_url if self._pg_dir else None,
                "nats_url": nats_url if self._nats_proc else None,
                "postgres_dir": str(self._pg_dir) if self._pg_dir else None,
                "nats_pid": self._nats_proc.pid if self._nats_proc else None,
                "services": {
                    c.name: {"health": c.health_url, "pid": c.process.pid if c.process else None} for c in self.children
                },
            },
        )

    async def run(self) -> int:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database_url, nats_url = self.start_infrastructure()
        token = api_token(self.data_dir)
        self._token = token
        self.plan(database_url, nats_url, token)
        self._write_state()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        gateway = self.api_url
        self.say("tracker", f"API {gateway}  docs {gateway}/api/docs  WebSocket {gateway.replace('http', 'ws')}/ws")
        # The token itself never goes to the log (this output is tracker.log in --detach mode).
        token_file = self.data_dir / TOKEN_FILE
        self.say("tracker", f"API token (Authorization: Bearer …): in {token_file} (owner-only), `tracker token`")
        self.say("tracker", f"dashboard (once built, see README): {gateway}/dashboard/ (paste the token once)")
        watchers = [asyncio.create_task(self.watch(c)) for c in self.children]
        watchers.append(asyncio.create_task(self._watch_infrastructure()))
        if self.demo:
            watchers.append(asyncio.create_task(self._import_demo()))
        try:
            await self._stopping.wait()
            self.say("tracker", "stopping services…")
            await self.stop_children()
            await asyncio.gather(*watchers, return_exceptions=True)
        finally:
            self.stop_infrastructure()
            clear_state(self.data_dir)
            self.say("tracker", "stopped; data kept in " + str(self.data_dir))
        return 0
