"""The one FastStream app factory every pipeline stage uses.

A `Stage` owns a NATS broker (OpenTelemetry + Prometheus middleware), registers handlers that
receive decoded envelopes, dead-letters what cannot be handled, and serves /health and /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import structlog
import uvicorn
from faststream import AckPolicy
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

from shared.bus import compat  # noqa: F401 - applies the pull-loop timeout fix before any subscriber runs
from shared.bus.dlq import backoff_delay, dead_letter
from shared.bus.publisher import Publisher
from shared.bus.streams import consumer_config, consumer_name, ensure_stream, stream_name
from shared.contracts import ContractError, Envelope, decode, spec_for
from shared.faults import is_infrastructure_error, retry_delay
from shared.logging import get_logger, library_logger
from shared.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING, EVENTS_CONSUMED, HANDLER_SECONDS, render
from shared.settings import Settings
from shared.tracing import batch_contexts, extract_context

Handler = Callable[[Envelope, "Stage"], Awaitable[None]]
# A batch handler may return the rest of its work (e.g. publishing) instead of awaiting it: the stage then
# finishes and acks that batch while the next one is fetched and handled, keeping a CPU-bound step busy.
BatchHandler = Callable[[list[Envelope], "Stage"], Awaitable[Awaitable[None] | None]]
log = get_logger(__name__)
LAG_EVERY_S = 5.0


class Progress:
    """Whether a stage is consuming: each consumer's ack floor must move (or nothing be waiting) and no
    handler may run past the deadline. A stage that is connected but stuck is unhealthy, so it is restarted."""

    def __init__(self, stall_after_s: float) -> None:
        self.stall_after_s = stall_after_s
        self._floor: dict[str, tuple[int, float]] = {}  # durable -> (ack floor, when it last moved or was idle)
        self._running: dict[int, float] = {}  # handler call -> start time
        self._calls = itertools.count()
        self._started = time.monotonic()

    def observe(self, durable: str, floor: int, waiting_work: bool, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        previous = self._floor.get(durable)
        if previous is None or floor != previous[0] or not waiting_work:
            self._floor[durable] = (floor, now)

    def begin(self) -> int:
        token = next(self._calls)
        self._running[token] = time.monotonic()
        return token

    def end(self, token: int) -> None:
        self._running.pop(token, None)

    def problem(self, durables: list[str], now: float | None = None) -> str | None:
        """Why the stage is not consuming, or None."""
        now = time.monotonic() if now is None else now
        if self._running and now - min(self._running.values()) > self.stall_after_s:
            return f"a handler has run for more than {self.stall_after_s:.0f} s"
        for durable in durables:
            _, since = self._floor.get(durable, (0, self._started))
            if now - since > self.stall_after_s:
                return f"consumer {durable} has made no progress for {now - since:.0f} s"
        return None


class Stage:
    def __init__(
        self,
        name: str,
        settings: Settings,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        fetch_batch: int = 100,
    ) -> None:
        self.name = name
        self.settings = settings
        self.prefix = settings.subject_prefix
        self.fetch_batch = fetch_batch
        self.tracer_provider = tracer_provider or trace.get_tracer_provider()
        self.broker = NatsBroker(
            settings.nats_servers,
            # A broker away for any length of time is waited for; consumers resume when it is back.
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            graceful_timeout=20.0,  # SIGTERM drains in-flight messages this long
            logger=library_logger(f"tt.faststream.{name}"),  # rendered like every other line (shared.logging)
            log_level=logging.DEBUG,  # FastStream logs every message; our handlers log what matters
            middlewares=(
                NatsTelemetryMiddleware(tracer_provider=self.tracer_provider),
                NatsPrometheusMiddleware(registry=REGISTRY, app_name=name),
            ),
        )
        self._stream = JStream(stream_name(self.prefix), declare=False)
        self._durables: list[str] = []
        self.event_types: list[str] = []
        self._publisher: Publisher | None = None
        self._js: JetStreamContext | None = None
        self._lag_task: asyncio.Task[None] | None = None
        self._tails: dict[str, asyncio.Task[None]] = {}  # per event type: the previous batch still finishing
        self.progress = Progress(stall_after_s=max(60.0, 2 * settings.ack_wait_s))
        self._closing = False
        self.state: dict[str, Any] = {}  # stage-owned resources (pools, providers), set up in on_start hooks
        self._on_start: list[Callable[[Stage], Awaitable[None]]] = []
        self._on_stop: list[Callable[[Stage], Awaitable[None]]] = []
        self.app = AsgiFastStream(
            self.broker,
            asgi_routes=[("/health", self._health_route()), ("/metrics", self._metrics_route())],
            on_startup=[self._startup],
            after_startup=[self._after_startup],
            on_shutdown=[self._shutdown],
        )

    # -- wiring -----------------------------------------------------------------------------
    def on_start(self, hook: Callable[[Stage], Awaitable[None]]) -> Callable[[Stage], Awaitable[None]]:
        self._on_start.append(hook)
        return hook

    def on_stop(self, hook: Callable[[Stage], Awaitable[None]]) -> Callable[[Stage], Awaitable[None]]:
        self._on_stop.append(hook)
        return hook

    def handles(self, event_type: str, *, max_workers: int = 1) -> Callable[[Handler], Handler]:
        """Register `fn(envelope, stage)` for one event type on a durable consumer of this stage."""

        def register(fn: Handler) -> Handler:
            async def consume(msg: NatsMessage) -> None:
                await self._process(msg, event_type, fn)

            pull = PullSub(batch_size=self.fetch_batch, timeout=1.0)
            self._subscribe(event_type, consume, fn.__doc__, pull, max_ack_pending=1000, max_workers=max_workers)
            return fn

        return register

    def handles_batch(
        self, event_type: str, *, batch_size: int = 100, max_wait_s: float = 0.5
    ) -> Callable[[BatchHandler], BatchHandler]:
        """Register `fn(envelopes, stage)` receiving up to `batch_size` events, flushed by size or `max_wait_s`.

        For work that is cheaper per batch (one embedding call per batch). The batch is acked as a whole
        after `fn` (and any work it returns) is done; on failure every message is retried, and
        dead-lettered at its last delivery.
        """

        def register(fn: BatchHandler) -> BatchHandler:
            async def consume(msg: NatsMessage) -> None:
                await self._process_batch(msg, event_type, fn)

            pull = PullSub(batch_size=batch_size, timeout=max_wait_s, batch=True)
            self._subscribe(event_type, consume, fn.__doc__, pull, max_ack_pending=batch_size * 4)
            return fn

        return register

    def _subscribe(
        self,
        event_type: str,
        consume: Callable[[Any], Awaitable[None]],
        doc: str | None,
        pull: PullSub[Any],
        *,
        max_ack_pending: int,
        max_workers: int = 1,
    ) -> None:
        """One durable pull consumer per (stage, event type), shared by every replica of the stage."""
        subject = spec_for(event_type).subject(self.prefix)
        durable = consumer_name(self.name, event_type)
        self._durables.append(durable)
        self.event_types.append(event_type)
        consume.__name__ = f"{self.name}_{event_type.replace('.', '_')}"
        config = consumer_config(
            durable,
            subject,
            max_deliver=self.settings.max_deliver,
            ack_wait_s=self.settings.ack_wait_s,
            max_ack_pending=max_ack_pending,
        )
        self.broker.subscriber(
            subject,
            stream=self._stream,
            durable=durable,
            config=config,
            pull_sub=pull,
            ack_policy=AckPolicy.MANUAL,
            max_workers=max_workers,
            title=f"{self.name}:{event_type}",
            description=(doc or "").strip() or None,
        )(consume)

    async def _process_batch(self, msg: Any, event_type: str, fn: BatchHandler) -> None:
        raws = list(msg.raw_message)
        started = time.perf_counter()
        envelopes: list[Envelope] = []
        valid = []
        for raw in raws:
            try:
                envelopes.append(decode(raw.data, subject=raw.subject, prefix=self.prefix))
                valid.append(raw)
            except ContractError as exc:
                await dead_letter(self._jetstream, raw, error=str(exc), service=self.name, prefix=self.prefix)
                await raw.ack()
                EVENTS_CONSUMED.labels(self.name, event_type, "invalid").inc()
        if not envelopes:
            return
        # One span per event, child of the trace it arrived with (FastStream's batch span only links them).
        tracer = trace.get_tracer("tt.stage", tracer_provider=self.tracer_provider)
        spans = [
            tracer.start_span(f"{raw.subject} process", context=extract_context(raw.headers), kind=SpanKind.CONSUMER)
            for raw in valid
        ]
        contexts = {env.id: trace.set_span_in_context(span) for env, span in zip(envelopes, spans, strict=True)}

        async def whole() -> None:
            """The handler and its remaining work inline: how a batch is retried after an infrastructure failure."""
            rest = await fn(envelopes, self)
            if rest is not None:
                await rest

        async def settle(rest: Awaitable[None] | None) -> None:
            """The handler's remaining work, then ack; on failure retry or dead-letter every message."""
            token = self.progress.begin()
            try:
                if rest is not None:
                    try:
                        await rest
                    except Exception as exc:
                        if not is_infrastructure_error(exc):
                            raise
                        await self._retry_in_place(whole, valid, event_type, exc)
            except Exception as exc:
                await self._batch_failed(valid, event_type, exc)
                return
            finally:
                self.progress.end(token)
                for span in spans:
                    span.end()
            for raw in valid:
                await raw.ack()
            EVENTS_CONSUMED.labels(self.name, event_type, "ok").inc(len(valid))
            HANDLER_SECONDS.labels(self.name, event_type).observe(time.perf_counter() - started)

        with batch_contexts(contexts):
            token = self.progress.begin()
            try:
                try:
                    rest = await fn(envelopes, self)
                except Exception as exc:
                    if not is_infrastructure_error(exc):
                        raise
                    await self._retry_in_place(whole, valid, event_type, exc)
                    rest = None
            except Exception as exc:
                for span in spans:
                    span.end()
                await self._batch_failed(valid, event_type, exc)
                return
            finally:
                self.progress.end(token)
            if rest is None:
                await settle(None)
                return
            previous = self._tails.pop(event_type, None)
            if previous is not None:
                await previous  # keeps publishes in order and at most one batch in flight behind
            self._tails[event_type] = asyncio.create_task(settle(rest))

    async def _retry_in_place(
        self, call: Callable[[], Awaitable[None]], raws: list[Any], event_type: str, exc: Exception
    ) -> None:
        """Run `call` again until the broker or database is back; such failures never dead-letter a message.

        Each attempt has its own deadlines (publish acks, queries); between attempts the messages are marked
        in progress so JetStream does not hand them to another replica meanwhile. Stopping ends the wait by
        raising, which naks the messages for redelivery.
        """
        attempt = 0
        while True:
            if self._closing:
                raise exc
            log.warning("handler_waiting_for_infrastructure", type=event_type, attempt=attempt, error=repr(exc))
            for raw in raws:
                with contextlib.suppress(Exception):
                    await raw.in_progress()
            await asyncio.sleep(retry_delay(attempt))
            attempt += 1
            try:
                await call()
                return
            except Exception as again:
                if not is_infrastructure_error(again):
                    raise
                exc = again

    async def _batch_failed(self, raws: list[Any], event_type: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("batch_handler_failed", type=event_type, size=len(raws), error=error)
        for raw in raws:
            attempt = raw.metadata.num_delivered
            if attempt >= self.settings.max_deliver:
                await dead_letter(self._jetstream, raw, error=error, service=self.name, prefix=self.prefix)
                await raw.ack()
                EVENTS_CONSUMED.labels(self.name, event_type, "dead_lettered").inc()
            else:
                await raw.nak(delay=backoff_delay(attempt))
                EVENTS_CONSUMED.labels(self.name, event_type, "retried").inc()

    @property
    def publisher(self) -> Publisher:
        if self._publisher is None:
            raise RuntimeError(f"stage {self.name} is not started")
        return self._publisher

    # -- message processing -----------------------------------------------------------------
    async def _process(self, msg: Any, event_type: str, fn: Handler) -> None:
        raw = msg.raw_message
        attempt = raw.metadata.num_delivered
        started = time.perf_counter()
        try:
            envelope = decode(raw.data, subject=raw.subject, prefix=self.prefix)
        except ContractError as exc:
            # Not transient: retrying cannot fix a payload that breaks its contract.
            await dead_letter(self._jetstream, raw, error=str(exc), service=self.name, prefix=self.prefix)
            await msg.ack()
            EVENTS_CONSUMED.labels(self.name, event_type, "invalid").inc()
            return
        with structlog.contextvars.bound_contextvars(event_id=envelope.id, correlation_id=envelope.correlation_id):
            token = self.progress.begin()
            try:
                try:
                    await fn(envelope, self)
                except Exception as exc:
                    if not is_infrastructure_error(exc):
                        raise
                    await self._retry_in_place(lambda: fn(envelope, self), [raw], event_type, exc)
            except Exception as exc:
                if attempt >= self.settings.max_deliver:
                    log.exception("handler_failed_dead_lettering", type=event_type, attempt=attempt)
                    await dead_letter(
                        self._jetstream,
                        raw,
                        error=f"{type(exc).__name__}: {exc}",
                        service=self.name,
                        prefix=self.prefix,
                    )
                    await msg.ack()
                    EVENTS_CONSUMED.labels(self.name, event_type, "dead_lettered").inc()
                else:
                    log.warning("handler_failed_will_retry", type=event_type, attempt=attempt, error=str(exc))
                    await msg.nack(delay=backoff_delay(attempt))
                    EVENTS_CONSUMED.labels(self.name, event_type, "retried").inc()
                return
            finally:
                self.progress.end(token)
        await msg.ack()
        EVENTS_CONSUMED.labels(self.name, event_type, "ok").inc()
        HANDLER_SECONDS.labels(self.name, event_type).observe(time.perf_counter() - started)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError(f"stage {self.name} is not connected")
        return self._js

    async def _startup(self) -> None:
        await self.broker.connect()
        self._js = self.broker.connection.jetstream()
        await ensure_stream(self._js, self.prefix, replicas=self.settings.stream_replicas)
        self._publisher = Publisher(
            self._js, producer=self.name, prefix=self.prefix, tracer_provider=self.tracer_provider
        )
        for hook in self._on_start:
            await hook(self)

    async def _after_startup(self) -> None:
        self._lag_task = asyncio.create_task(self._report_lag())
        log.info("stage_started", stage=self.name, consumers=len(self._durables))

    async def _shutdown(self) -> None:
        self._closing = True
        await asyncio.gather(*self._tails.values())  # batches still publishing finish and ack before we stop
        if self._lag_task:
            self._lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_task
        for hook in self._on_stop:
            await hook(self)
        log.info("stage_stopping", stage=self.name)

    async def _report_lag(self, every_s: float = LAG_EVERY_S) -> None:
        """Consumer lag for /metrics and the progress /health judges (unreachable info is no progress)."""
        while True:
            for durable in self._durables:
                with contextlib.suppress(Exception):
                    info = await self._jetstream.consumer_info(stream_name(self.prefix), durable, timeout=3.0)
                    CONSUMER_PENDING.labels(durable).set(info.num_pending or 0)
                    CONSUMER_ACK_PENDING.labels(durable).set(info.num_ack_pending or 0)
                    floor = info.ack_floor.stream_seq if info.ack_floor else 0
                    waiting = bool(info.num_pending) or bool(info.num_ack_pending)
                    self.progress.observe(durable, floor or 0, waiting)
            await asyncio.sleep(every_s)

    async def health_problem(self) -> str | None:
        """None when connected and consuming; else what is wrong."""
        if self._js is None:
            return "not started"
        if not await self.broker.ping(timeout=2.0):
            return "bus unreachable"
        return self.progress.problem(self._durables)

    async def healthy(self) -> bool:
        return await self.health_problem() is None

    # -- HTTP -------------------------------------------------------------------------------
    def _health_route(self) -> Any:
        @get(include_in_schema=False)
        async def health(scope: Any) -> AsgiResponse:
            problem = await self.health_problem()
            ok = problem is None
            body = msgspec.json.encode(
                {
                    "status": "ok" if ok else "unhealthy",
                    "service": self.name,
                    "consumers": len(self._durables),
                    **({"problem": problem} if problem else {}),
                }
            )
            return AsgiResponse(body, 200 if ok else 503, headers={"content-type": "application/json"})

        return health

    def _metrics_route(self) -> Any:
        @get(include_in_schema=False)
        async def metrics(scope: Any) -> AsgiResponse:
            return AsgiResponse(render(), 200, headers={"content-type": CONTENT_TYPE_LATEST})

        return metrics


async def serve(stage: Stage, host: str = "127.0.0.1", port: int = 0) -> None:
    """Run the stage with its HTTP endpoints until SIGTERM/SIGINT, then drain and stop."""
    config = uvicorn.Config(stage.app, host=host, port=port, lifespan="on", log_config=None, access_log=False)
    await uvicorn.Server(config).serve()
