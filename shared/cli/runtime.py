"""`tracker up | down | status | gateway | stage NAME | replay`: running the system."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from shared.logging import configure_logging
from shared.runtime.state import TOKEN_FILE, clear_state, pid_alive, private_file, read_state
from shared.settings import Settings


def resolve_settings() -> Settings:
    """Environment first; otherwise the URLs of a running embedded `tracker up`."""
    settings = Settings.from_env()
    state = read_state(settings.data_dir) or {}
    return msgspec.structs.replace(
        settings,
        database_url=settings.database_url or state.get("database_url") or "",
        nats_url=settings.nats_url or state.get("nats_url") or "",
    )


def add_runtime_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = sub.add_parser("up", help="start NATS, PostgreSQL (embedded unless URLs are set) and all services")
    up.add_argument("--detach", action="store_true", help="run in the background; log to <data dir>/tracker.log")
    up.add_argument("--demo", action="store_true", help="import the demo Telegram export once all are healthy")
    up.set_defaults(func=_up)
    sub.add_parser("down", help="stop everything `tracker up` started; data is kept").set_defaults(func=_down)
    sub.add_parser("status", help="health of each running service").set_defaults(func=_status)
    sub.add_parser("token", help="print the embedded run's API token (admin scope)").set_defaults(func=_token)
    sub.add_parser("gateway", help="run the API and the projector in one process (simple runs)").set_defaults(
        func=_gateway
    )
    sub.add_parser("api", help="run one stateless HTTP + WebSocket API replica (port shared by replicas)").set_defaults(
        func=_api
    )
    sub.add_parser("projector", help="run a projector (one active, the others standby)").set_defaults(func=_projector)
    stage = sub.add_parser("stage", help="run one pipeline stage")
    stage.add_argument("name", choices=["ingest", "scorer", "embedder", "extractor"])
    stage.set_defaults(func=_stage)
    replay = sub.add_parser("replay", help="rebuild read models from the event log")
    replay.add_argument("--projection", action="append", help="only this projection (repeatable)")
    replay.set_defaults(func=_replay)


def _token(args: argparse.Namespace) -> int:
    path = Settings.from_env().data_dir / TOKEN_FILE
    if not path.exists():
        print(f"no token yet in {path}: `tracker up` makes one", file=sys.stderr)
        return 1
    print(path.read_text().strip())
    return 0


def _leftovers(state: dict[str, object]) -> list[str]:
    """What a supervisor that died (kill -9) left running, as readable names."""
    from shared.runtime.lifetimes import alive_as, postgres_pid

    found = [
        f"{name} (pid {service['pid']})"
        for name, service in (state.get("services") or {}).items()  # type: ignore[attr-defined]
        if service.get("pid") and alive_as(service["pid"], "shared.cli.main")
    ]
    nats_pid = state.get("nats_pid")
    if isinstance(nats_pid, int) and alive_as(nats_pid, "nats-server"):
        found.append(f"nats-server (pid {nats_pid})")
    pg_dir = state.get("postgres_dir")
    if isinstance(pg_dir, str) and (pid := postgres_pid(Path(pg_dir))) is not None:
        found.append(f"postgres (pid {pid})")
    return found


def _clean_leftovers(state: dict[str, object]) -> list[str]:
    """Stop what a dead supervisor left, from the state it recorded; returns what was stopped."""
    from shared.runtime.lifetimes import alive_as, terminate
    from shared.runtime.servers import stop_postgres

    found = _leftovers(state)
    pids = [
        s["pid"]
        for s in (state.get("services") or {}).values()  # type: ignore[attr-defined]
        if s.get("pid") and alive_as(s["pid"], "shared.cli.main")
    ]
    terminate(pids)  # services first: they drain into a NATS that is still up
    nats_pid = state.get("nats_pid")
    if isinstance(nats_pid, int) and alive_as(nats_pid, "nats-server"):
        terminate([nats_pid])
    if isinstance(state.get("postgres_dir"), str):
        stop_postgres(Path(state["postgres_dir"]))  # type: ignore[arg-type]
    return found


def _up(args: argparse.Namespace) -> int:
    from shared.runtime.claim import AlreadyRunning, claim

    settings = Settings.from_env()
    try:  # before anything is started or cleaned up: a second run must leave the first untouched
        held = claim(settings.data_dir, settings.api_host, settings.api_port)
    except AlreadyRunning as exc:
        print(f"not starting: {exc}", file=sys.stderr)
        return 1
    try:
        state = read_state(settings.data_dir)
        if state and pid_alive(state["pid"]):
            print(f"already running (pid {state['pid']}); `tracker status` or `tracker down`", file=sys.stderr)
            return 1
        if state and (stopped := _clean_leftovers(state)):
            print(f"stopped leftovers of a previous run: {', '.join(stopped)}", file=sys.stderr)
        os.chmod(settings.data_dir, 0o755)  # pgserver runs PostgreSQL as its own system user when we are root
        if args.detach:
            held.release()  # the background supervisor claims both for itself
            log = private_file(settings.data_dir / "tracker.log")
            proc = subprocess.Popen(
                [sys.executable, "-m", "shared.cli.main", "up", *(["--demo"] if args.demo else [])],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            print(f"started in the background (pid {proc.pid}); log: {settings.data_dir / 'tracker.log'}")
            return _wait_healthy(settings.data_dir, timeout=180, proc=proc)
        from shared.runtime.supervisor import Supervisor

        return asyncio.run(Supervisor(settings, settings.data_dir.resolve(), demo=args.demo).run())
    finally:
        held.release()


def _wait_healthy(data_dir: Path, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:  # the background run gave up (e.g. it was refused)
            tail = (data_dir / "tracker.log").read_text(errors="replace").splitlines()[-5:]
            print("\n".join(["the background run exited:", *tail]), file=sys.stderr)
            return proc.returncode or 1
        state = read_state(data_dir)
        if state and state["services"]:
            health = {name: _healthy(s["health"]) for name, s in state["services"].items()}
            if all(health.values()):  # report what was just seen: a second probe under load could time out
                _print_status(state, health)
                return 0
        time.sleep(1)
    print("services did not all become healthy in time; see the log", file=sys.stderr)
    return 1


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _status(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    state = read_state(settings.data_dir)
    if not state or not pid_alive(state["pid"]):
        leftovers = _leftovers(state) if state else []
        if leftovers:
            print(f"not running, but its supervisor died leaving: {', '.join(leftovers)}; `tracker down` stops them")
        else:
            print("not running")
        return 1
    health = {name: _healthy(service["health"]) for name, service in state["services"].items()}
    _print_status(state, health)
    return 0 if all(health.values()) else 1


def _print_status(state: dict[str, Any], health: dict[str, bool]) -> None:
    # The address the replicas share; each replica's own health port below is for probes.
    print(f"tracker (pid {state['pid']})" + (f"  API {state['api']}" if state.get("api") else ""))
    width = max(map(len, state["services"]))
    for name, service in state["services"].items():
        print(f"  {name:<{width}}  {'healthy' if health[name] else 'UNHEALTHY':<10} {service['health']}")


def _down(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    state = read_state(settings.data_dir)
    if not state:
        print("not running")
        return 0
    if not pid_alive(state["pid"]):
        stopped = _clean_leftovers(state)
        clear_state(settings.data_dir)
        print(f"the supervisor had died; stopped {', '.join(stopped)}" if stopped else "not running")
        return 0
    os.kill(state["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 90
    while pid_alive(state["pid"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(state["pid"]):
        print(f"pid {state['pid']} did not stop within 90 s", file=sys.stderr)
        return 1
    print("stopped; data kept in " + str(settings.data_dir))
    return 0


def freeze_startup_heap() -> None:
    """Move everything loaded at start-up out of the garbage collector's reach.

    Modules, routes and contracts live as long as the process; without this every full collection walks
    them again while events stream through (about a tenth of the gateway's time under load).
    """
    gc.collect()
    gc.freeze()


def _gateway(args: argparse.Namespace) -> int:
    return _serve_api("gateway", run_projections=True)


def _api(args: argparse.Namespace) -> int:
    return _serve_api("api", run_projections=False)


def _serve_api(name: str, *, run_projections: bool) -> int:
    import uvicorn

    from services.gateway.app import create_app
    from shared.tracing import configure_tracing

    settings = resolve_settings()
    configure_logging(settings.log_level, settings.log_format, name)
    provider = configure_tracing(name, settings.otel_exporter)
    app = create_app(settings, tracer_provider=provider, run_projections=run_projections)
    freeze_startup_heap()
    config = uvicorn.Config(app, log_config=None, access_log=False)
    sockets = [shared_listener(settings.api_host, settings.api_port)]
    if settings.api_health_port:  # this replica's own door: a probe of the shared port may reach another one
        sockets.append(own_listener(settings.api_host, settings.api_health_port))
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def shared_listener(host: str, port: int) -> socket.socket:
    """A listening socket other replicas on this host can bind too (SO_REUSEPORT): the kernel spreads
    connections over them, so `tracker up` runs N API replicas on one address without a proxy."""
    return _listener(host, port, reuse_port=True)


def own_listener(host: str, port: int) -> socket.socket:
    """A listening socket of this process alone."""
    return _listener(host, port, reuse_port=False)


def _listener(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _projector(args: argparse.Namespace) -> int:
    import uvicorn

    from services.gateway.projector import create_projector_app
    from shared.tracing import configure_tracing

    settings = resolve_settings()
    configure_logging(settings.log_level, settings.log_format, "projector")
    provider = configure_tracing("projector", settings.otel_exporter)
    app = create_projector_app(settings, tracer_provider=provider)
    freeze_startup_heap()
    uvicorn.run(app, host=settings.stage_host, port=settings.stage_port, log_config=None, access_log=False)
    return 0


def _stage(args: argparse.Namespace) -> int:
    from services import STAGES
    from shared.bus.service import serve
    from shared.tracing import configure_tracing

    settings = resolve_settings()
    configure_logging(settings.log_level, settings.log_format, args.name)
    configure_tracing(args.name, settings.otel_exporter)
    stage = STAGES[args.name](settings)
    freeze_startup_heap()
    asyncio.run(serve(stage, host=settings.stage_host, port=settings.stage_port))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from services.gateway import projections
    from services.gateway.projections.runner import replay
    from shared.db.pool import create_pool

    settings = resolve_settings()
    chosen = [projections.by_name(n) for n in args.projection] if args.projection else list(projections.ALL)

    async def run() -> int:
        pool = await create_pool(settings.database_url)
        try:
            return await replay(pool, chosen)
        finally:
            await pool.close()

    applied = asyncio.run(run())
    print(f"replayed {applied} events into {', '.join(p.name for p in chosen)}")
    return 0
