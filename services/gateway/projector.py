"""The projector as a role: wait for the leader lock, run the projection runner, relay each commit.

`tracker projector` runs only this (two or more processes: one active, the rest standby); `tracker gateway`
runs it beside the API in one process. Losing the lock connection stops the runner at once; the process
then queues for the lock again, so a projector that lost PostgreSQL briefly becomes a standby, not a twin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
import nats
from litestar import Litestar, Response, get
from litestar.datastructures import State
from nats.js import JetStreamContext
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST

from services.gateway import projections
from services.gateway.projections.base import Projection
from services.gateway.projections.leader import Leadership, LostLeadership
from services.gateway.projections.runner import ProjectionRunner, stop_task
from services.gateway.relay import RelayPublisher
from shared.bus.streams import ensure_stream
from shared.db.pool import create_pool
from shared.logging import get_logger
from shared.metrics import render
from shared.settings import Settings

log = get_logger(__name__)
STALL_AFTER_S = 60.0


@dataclass
class ProjectorStatus:
    role: str = "starting"  # starting | standby | active | stopped
    runner: ProjectionRunner | None = None
    takeovers: int = 0

    def problem(self) -> str | None:
        if self.role == "active" and self.runner is not None:
            idle = asyncio.get_running_loop().time() - self.runner.last_progress
            if self.runner.last_progress and idle > STALL_AFTER_S:
                return f"the active projector has made no progress for {idle:.0f} s"
        return None


async def project(
    settings: Settings,
    pool: asyncpg.Pool,
    nc: nats.aio.client.Client,
    js: JetStreamContext,
    read_models: Sequence[Projection],
    status: ProjectorStatus,
    stopping: asyncio.Event,
    *,
    tracer_provider: trace.TracerProvider | None = None,
) -> None:
    """Project while holding the lock; queue for it again whenever it is lost, until `stopping`."""
    leadership = Leadership(settings.database_url, settings.subject_prefix)
    relay = RelayPublisher(nc, settings.subject_prefix)
    try:
        while not stopping.is_set():
            status.role = "standby"
            if not await leadership.acquire(stopping):
                break
            status.role = "active"
            status.takeovers += 1
            runner = ProjectionRunner(
                pool,
                js,
                read_models,
                relay,
                prefix=settings.subject_prefix,
                tracer_provider=tracer_provider,
                fence=leadership.fence,
            )
            status.runner = runner
            running = asyncio.create_task(runner.run())
            watching = asyncio.create_task(leadership.watch())
            waiting = asyncio.create_task(stopping.wait())
            await asyncio.wait({running, watching, waiting}, return_when=asyncio.FIRST_COMPLETED)
            for task in (watching, waiting):
                task.cancel()
            await stop_task(running, runner)
            await leadership.release()
            if running.done() and not running.cancelled() and (error := running.exception()) is not None:
                if not isinstance(error, LostLeadership):
                    raise error
                log.warning("projector_lost_leadership")
    finally:
        status.role = "stopped"
        await leadership.release()


def create_projector_app(
    settings: Settings,
    *,
    tracer_provider: trace.TracerProvider | None = None,
    read_models: Sequence[Projection] = projections.ALL,
) -> Litestar:
    """`tracker projector`: the projector role with /health (its role and progress) and /metrics."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = app.state
        state.pool = await create_pool(settings.database_url)
        state.nc = await nats.connect(
            settings.nats_servers, name="projector", max_reconnect_attempts=-1, reconnect_time_wait=1
        )
        js = state.nc.jetstream()
        await ensure_stream(js, settings.subject_prefix, replicas=settings.stream_replicas)
        stopping = asyncio.Event()
        task = asyncio.create_task(
            project(
                settings, state.pool, state.nc, js, read_models, state.status, stopping, tracer_provider=tracer_provider
            )
        )
        task.add_done_callback(_crashed)
        try:
            yield
        finally:
            stopping.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
            await state.nc.drain()
            await state.pool.close()

    @get("/health", include_in_schema=False)
    async def health(state: State) -> Response[bytes]:
        status: ProjectorStatus = state.status
        problem = status.problem()
        body: dict[str, Any] = {
            "status": "ok" if problem is None else "unhealthy",
            "service": "projector",
            "role": status.role,
            "applied_seq": status.runner.applied_seq if status.runner else None,
            **({"problem": problem} if problem else {}),
        }
        return Response(
            msgspec.json.encode(body), status_code=200 if problem is None else 503, media_type="application/json"
        )

    @get("/metrics", include_in_schema=False)
    async def metrics() -> Response[bytes]:
        return Response(render(), media_type=CONTENT_TYPE_LATEST)

    return Litestar(
        route_handlers=[health, metrics],
        lifespan=[lifespan],
        state=State({"status": ProjectorStatus()}),
        openapi_config=None,
        logging_config=None,  # shared.logging configures every logger
    )


def _crashed(task: asyncio.Task[None]) -> None:
    """A projector whose loop died is not healthy: log why and exit so it is restarted."""
    import os
    import signal

    if not task.cancelled() and task.exception() is not None:
        log.error("projector_crashed", error=repr(task.exception()), exc_info=task.exception())
        os.kill(os.getpid(), signal.SIGTERM)
