"""Litestar app factory: HTTP API, WebSocket relay, projection runner, OpenAPI and AsyncAPI docs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from opentelemetry import trace

from services.gateway import projections
from services.gateway.api.agents import AgentsController
from services.gateway.api.analysis import AnalysisController
from services.gateway.api.asyncapi import AsyncAPIController
from services.gateway.api.chats import ChatsController
from services.gateway.api.experiments import ExperimentsController
from services.gateway.api.health import HealthController
from services.gateway.api.ingestion import IngestionController
from services.gateway.api.knowledge_atoms import AtomsController
from services.gateway.api.knowledge_digest import DigestController
from services.gateway.api.knowledge_rules import AutoApprovalRulesController
from services.gateway.api.knowledge_runs import KnowledgeRunsController
from services.gateway.api.knowledge_schedules import SchedulesController
from services.gateway.api.knowledge_topics import TopicsController
from services.gateway.api.knowledge_versions import VersionsController
from services.gateway.api.messages import MessagesController
from services.gateway.api.noise import NoiseController
from services.gateway.api.profiles import ProfilesController
from services.gateway.api.projects import ProjectsController
from services.gateway.api.proposals import ProposalsController
from services.gateway.api.providers import ProvidersController
from services.gateway.api.search import SearchController
from services.gateway.api.tasks import TasksController
from services.gateway.api.webhooks import TelegramWebhookController
from services.gateway.auth import access_guard
from services.gateway.dashboard import dashboard_router
from services.gateway.errors import exception_handlers
from services.gateway.hub import Hub
from services.gateway.input_checks import MAX_BODY_BYTES, check_request
from services.gateway.projections.base import Projection
from services.gateway.projections.runner import stream_position
from services.gateway.projector import ProjectorStatus, project
from services.gateway.rate_limit import RateLimiter, rate_limit_guard
from services.gateway.read_cache import PositionCache
from services.gateway.relay import RelaySubscriber
from services.gateway.search.rerank import configured_reranker
from services.gateway.search.translations import Translator, configured_dictionary
from services.gateway.writes import EntityLocks
from services.gateway.ws import ws_handler
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream
from shared.db.pool import create_pool
from shared.logging import get_logger
from shared.settings import Settings
from shared.text.lemmas import warm_up

log = get_logger(__name__)
DASHBOARD_DIST = Path(__file__).resolve().parents[2] / "deploy" / "dashboard" / "dist"
SWAGGER_ASSETS = "/api/docs/assets"
CONTROLLERS: list[Any] = [
    HealthController,
    AsyncAPIController,
    NoiseController,
    MessagesController,
    ChatsController,
    ProfilesController,
    IngestionController,
    TelegramWebhookController,
    SearchController,
    ProvidersController,
    AgentsController,
    ProjectsController,
    TasksController,
    ProposalsController,
    AnalysisController,
    ExperimentsController,
    KnowledgeRunsController,
    TopicsController,
    AtomsController,
    VersionsController,
    SchedulesController,
    AutoApprovalRulesController,
    DigestController,
]


def _projections_stopped(task: asyncio.Task[None]) -> None:
    """The gateway without its projection runner is not healthy: log why and exit so it is restarted."""
    if not task.cancelled() and task.exception() is not None:
        log.error("projection_runner_crashed", error=repr(task.exception()), exc_info=task.exception())
        os.kill(os.getpid(), signal.SIGTERM)


def create_app(
    settings: Settings,
    *,
    tracer_provider: trace.TracerProvider | None = None,
    read_models: Sequence[Projection] = projections.ALL,
    run_projections: bool = True,
    dashboard_dist: Path = DASHBOARD_DIST,
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = app.state
        state.reranker = configured_reranker(settings)
        dictionary = configured_dictionary(settings)
        await asyncio.to_thread(warm_up)  # the lemmatiser's dictionaries, before the first batch is projected
        state.pool = await create_pool(settings.database_url)
        state.nc = await nats.connect(
            settings.nats_servers, name="gateway", max_reconnect_attempts=-1, reconnect_time_wait=1, drain_timeout=5
        )
        state.translator = Translator(
            state.pool,
            state.nc,
            settings.subject_prefix,
            timeout=settings.embed_rpc_timeout_s,
            dictionary=dictionary,
        )
        state.translator.preload()
        state.js = state.nc.jetstream()
        await ensure_stream(state.js, settings.subject_prefix, replicas=settings.stream_replicas)
        state.publisher = Publisher(
            state.js, producer="gateway", prefix=settings.subject_prefix, tracer_provider=tracer_provider
        )
        # WebSocket frames and read-your-writes come from the projector's commit notices, whether the
        # projector runs in this process (`tracker gateway`) or elsewhere (`tracker api` replicas).
        state.committed = RelaySubscriber(state.nc, state.pool, state.hub, settings.subject_prefix)
        await state.committed.start(await stream_position(state.pool))
        stopping = asyncio.Event()
        task = None
        if run_projections:
            task = asyncio.create_task(
                project(
                    settings,
                    state.pool,
                    state.nc,
                    state.js,
                    read_models,
                    state.projector,
                    stopping,
                    tracer_provider=tracer_provider,
                )
            )
            task.add_done_callback(_projections_stopped)
        log.info("gateway_started", projections=[p.name for p in read_models] if run_projections else [])
        try:
            yield
        finally:
            stopping.set()
            if task is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(task, 15)
            await state.committed.stop()
            await state.nc.drain()
            await state.pool.close()

    state = State(
        {
            "settings": settings,
            "hub": Hub(),
            "prefix": settings.subject_prefix,
            "rate_limiter": RateLimiter(settings.rate_limit_per_min, settings.rate_limit_burst),
            "locks": EntityLocks(),
            "projector": ProjectorStatus(),
            "read_cache": PositionCache(),
        }
    )
    cors = (
        CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
        if settings.cors_origins
        else None
    )
    return Litestar(
        route_handlers=[*CONTROLLERS, ws_handler, dashboard_router(dashboard_dist), swagger_assets()],
        guards=[access_guard, rate_limit_guard],
        before_request=check_request,
        request_max_body_size=MAX_BODY_BYTES,
        lifespan=[lifespan],
        state=state,
        cors_config=cors,
        exception_handlers=exception_handlers(),
        logging_config=None,  # shared.logging configures every logger; Litestar's default would replace it
        openapi_config=OpenAPIConfig(
            title="Task Tracker API",
            version="0.1.0",
            path="/api/docs",
            # Served from the swagger-ui-py wheel, so the page works offline (no CDN).
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/",
                    js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
                    favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
                )
            ],
        ),
    )


def swagger_assets() -> Any:
    import swagger_ui  # the wheel ships Swagger UI's static files

    directory = Path(swagger_ui.__file__).parent / "static"
    return create_static_files_router(SWAGGER_ASSETS, directories=[directory], name="swagger-assets",
                                      include_in_schema=False)  # fmt: skip
