"""The projection runner: consumes the whole stream, logs each event, applies projections, then acks.

Per batch, one transaction appends to `events`, applies every interested projection whose checkpoint is
behind, and moves the checkpoints; only after commit are the messages acked and relayed to WebSockets.
A failing event is retried in place (order matters to checkpoints), then dead-lettered; a database that is
away is waited for (never a reason to dead-letter).

The runner only ever applies the stream as one gap-free sequence. Messages the server sent into a dying
connection never arrive, yet count as delivered; a later AckAll would cover them unapplied. So a batch that
does not start right after the last one fetched (or has a hole) is dropped unacked, and the consumer is
recreated from the last committed sequence once everything handed over is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

import asyncpg
import msgspec
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from services.gateway.frames import frame_text
from services.gateway.hub import Frame
from services.gateway.projections import events_log
from services.gateway.projections.base import Projection
from services.gateway.projections.leader import LostLeadership
from shared.bus.dlq import backoff_delay, dead_letter
from shared.bus.pull import fetch_waiting
from shared.bus.reply import stream_sequence
from shared.bus.streams import stream_name
from shared.contracts import ContractError, Envelope, decode, spec_for
from shared.faults import is_infrastructure_error, retry_delay
from shared.logging import get_logger
from shared.metrics import CONSUMER_PENDING, EVENTS_CONSUMED, HANDLER_SECONDS, PROJECTION_LAST_SEQ, STREAM_LAST_SEQ
from shared.tracing import extract_context, tracing_enabled

log = get_logger(__name__)
SERVICE = "gateway"
DURABLE = "gateway--projections"
# The checkpoint row holding the last stream sequence a committed batch covered, whatever its subjects.
STREAM_POSITION = "stream"


async def stream_position(db: asyncpg.Pool | asyncpg.Connection) -> int | None:
    """The stream sequence the committed batches reach; None before the first batch of this database."""
    return await db.fetchval(  # type: ignore[no-any-return]
        "SELECT last_seq FROM projection_checkpoints WHERE projection = $1", STREAM_POSITION
    )


async def load_checkpoints(conn: asyncpg.Connection, names: Sequence[str]) -> dict[str, int]:
    await conn.executemany(
        "INSERT INTO projection_checkpoints (projection, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING",
        [(n,) for n in names],
    )
    rows = await conn.fetch(
        "SELECT projection, last_seq FROM projection_checkpoints WHERE projection = ANY($1::text[]) FOR UPDATE",
        list(names),
    )
    return {r["projection"]: r["last_seq"] for r in rows}


async def save_checkpoints(conn: asyncpg.Connection, changed: dict[str, int]) -> None:
    await conn.executemany(
        "UPDATE projection_checkpoints SET last_seq = $2, updated_at = now() WHERE projection = $1",
        list(changed.items()),
    )
    for name, seq in changed.items():
        PROJECTION_LAST_SEQ.labels(name).set(seq)


async def apply_events(
    conn: asyncpg.Connection,
    projections: Sequence[Projection],
    checkpoints: dict[str, int],
    changed: dict[str, int],
    items: Sequence[tuple[Envelope, int]],
) -> None:
    """Apply events in stream order; runs of one type go to a projection together (see ApplyMany)."""
    for event_type, run in groupby(items, key=lambda item: item[0].type):
        group = list(run)
        for projection in projections:
            if not projection.handles(event_type):
                continue
            pending = [(env, seq) for env, seq in group if seq > checkpoints[projection.name]]
            if pending:
                await projection.apply(conn, event_type, pending)
                checkpoints[projection.name] = changed[projection.name] = pending[-1][1]


# Called after each commit with (previous position, new position, frames to relay).
OnCommit = Callable[[int, int, list[Frame]], Awaitable[None]]
Fence = Callable[[asyncpg.Connection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Fetched:
    msg: Msg
    seq: int
    event: events_log.LoggedEvent | None  # None: nothing to log (a dead letter), only the position moves


class ProjectionRunner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        projections: Sequence[Projection],
        on_commit: OnCommit,
        *,
        prefix: str = "tt",
        batch_size: int = 1000,
        max_attempts: int = 5,
        tracer_provider: trace.TracerProvider | None = None,
        fence: Fence | None = None,
    ) -> None:
        self._pool, self._js, self._projections, self._on_commit = pool, js, list(projections), on_commit
        self._fence = fence
        self._prefix, self._batch_size, self._max_attempts = prefix, batch_size, max_attempts
        self._tracer = trace.get_tracer("tt.projections", tracer_provider=tracer_provider)
        self._tracing = tracing_enabled(tracer_provider)  # else spans are no-ops: skip parsing headers too
        self._dlq_prefix = f"{prefix}.dlq."
        self._stopping = asyncio.Event()
        self.applied_seq = 0  # last sequence committed, for health and tests
        self.committed_seq: int | None = None  # the stream position the database holds, as this run knows it
        self.resyncs = 0  # consumers recreated after a gap (a lost delivery), for tests and logs
        self.last_progress = 0.0  # loop time of the last fetch answer or commit, for health

    async def run(self) -> None:
        stream = stream_name(self._prefix)
        position = await self._retrying("read_position", lambda: stream_position(self._pool))
        self.committed_seq = position
        await self._retrying("rewind", lambda: self._rewind_if_ahead(stream, position))
        # The next batch is fetched and decoded while the database applies the current one.
        batches: asyncio.Queue[list[Fetched]] = asyncio.Queue(maxsize=1)
        fetcher = asyncio.create_task(self._fetch(stream, batches))
        try:
            while not self._stopping.is_set() or not batches.empty():
                try:
                    batch = await asyncio.wait_for(batches.get(), timeout=0.5)
                except TimeoutError:
                    if fetcher.done():
                        fetcher.result()  # a fetch loop that died takes the runner down with its error
                    continue
                try:
                    frames = await self._handle(batch)
                    if frames is None:
                        break  # stopping while the database was away: nothing acked, the next run resumes
                    after = self.committed_seq or 0
                    self.committed_seq = max(after, batch[-1].seq)
                    self.last_progress = asyncio.get_running_loop().time()
                    # AckAll up to the committed sequence: every message below it was fetched without a gap.
                    with contextlib.suppress(Exception):  # a lost ack only means a redelivery the log drops
                        await batch[-1].msg.ack()
                    await self._on_commit(after, self.committed_seq, frames)
                finally:
                    batches.task_done()
        finally:
            fetcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetcher

    def _consumer_config(self, position: int | None) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=DURABLE,
            filter_subject=f"{self._prefix}.>",
            # Batches are applied gap-free in stream order, so acking the last message of one acks all of it.
            ack_policy=AckPolicy.ALL,
            deliver_policy=DeliverPolicy.ALL if position is None else DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=None if position is None else position + 1,
            ack_wait=120,
            max_ack_pending=self._batch_size * 4,
        )

    async def _subscribe(self, stream: str, *, recreate: bool) -> JetStreamContext.PullSubscription:
        position = self.committed_seq
        if recreate:
            with contextlib.suppress(NotFoundError):
                await self._js.delete_consumer(stream, DURABLE)
        return await self._js.pull_subscribe(
            f"{self._prefix}.>", durable=DURABLE, stream=stream, config=self._consumer_config(position)
        )

    async def _fetch(self, stream: str, batches: asyncio.Queue[list[Fetched]]) -> None:
        sub = await self._retrying("subscribe", lambda: self._subscribe(stream, recreate=False))
        expected = None if self.committed_seq is None else self.committed_seq + 1
        failures = 0
        try:
            while not self._stopping.is_set():
                lost = False  # a fetch that failed may have had messages in flight: resync to be sure
                try:
                    msgs = await self._fetch_batch(sub)
                    failures = 0
                except (TimeoutError, NatsTimeoutError):
                    self.last_progress = asyncio.get_running_loop().time()
                    continue
                except Exception as exc:  # the server went away or JetStream is not ready yet
                    log.warning("projection_fetch_failed", error=repr(exc), attempt=failures)
                    await asyncio.sleep(retry_delay(failures))
                    failures += 1
                    msgs, lost = [], True
                self.last_progress = asyncio.get_running_loop().time()
                if msgs:
                    last = msgs[-1].metadata
                    CONSUMER_PENDING.labels(DURABLE).set(last.num_pending)
                    STREAM_LAST_SEQ.set(last.sequence.stream + last.num_pending)
                run = _contiguous_run(msgs, expected)
                if run:
                    await batches.put([await self._decode(msg) for msg in run])
                    expected = stream_sequence(run[-1]) + 1
                if lost or len(run) < len(msgs):
                    got = stream_sequence(msgs[len(run)]) if len(run) < len(msgs) else None
                    sub = await self._resync(sub, stream, batches, got=got)
                    expected = None if self.committed_seq is None else self.committed_seq + 1
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _fetch_batch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        """Wait up to 0.5 s for one message, then take whatever else is already waiting (up to a batch).

        A single fetch of a whole batch would hold a trickle of events until the batch filled or its timeout
        passed (nats-py keeps a lingering pull open), adding up to 0.5 s to every live event's latency; the rest
        is taken with a pull that does not linger at all (shared/bus/pull.py). Batches still grow under load:
        while one batch is applied the next accumulates on the server.
        """
        first = await sub.fetch(1, timeout=0.5)
        if self._batch_size <= 1:
            return first
        try:
            rest = await fetch_waiting(sub, self._batch_size - 1)
        except (TimeoutError, NatsTimeoutError):
            rest = []
        return first + rest

    async def _resync(
        self,
        sub: JetStreamContext.PullSubscription,
        stream: str,
        batches: asyncio.Queue[list[Fetched]],
        got: int | None,
    ) -> JetStreamContext.PullSubscription:
        """Recreate the consumer right after the committed position, once what was handed over is committed."""
        await batches.join()
        self.resyncs += 1
        log.warning("projection_consumer_resync", committed=self.committed_seq, got=got, resyncs=self.resyncs)
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        return await self._retrying("resubscribe", lambda: self._subscribe(stream, recreate=True))

    async def _retrying(self, what: str, call):  # type: ignore[no-untyped-def]
        """Await `call()` until the broker or database answers (each attempt has its own deadline)."""
        attempt = 0
        while True:
            try:
                return await call()
            except Exception as exc:
                if not is_infrastructure_error(exc) or self._stopping.is_set():
                    raise
                log.warning("projection_waiting_for_infrastructure", step=what, attempt=attempt, error=repr(exc))
                await asyncio.sleep(retry_delay(attempt))
                attempt += 1

    async def _decode(self, msg: Msg) -> Fetched:
        """Decode one message for the log; an invalid one is dead-lettered here and travels on as position only."""
        seq = stream_sequence(msg)
        if msg.subject.startswith(self._dlq_prefix):
            return Fetched(msg, seq, None)
        try:
            envelope = decode(msg.data, subject=msg.subject, prefix=self._prefix)
        except ContractError as exc:
            error = str(exc)
            await self._retrying(
                "dead_letter", lambda: dead_letter(self._js, msg, error=error, service=SERVICE, prefix=self._prefix)
            )
            EVENTS_CONSUMED.labels(SERVICE, "invalid", "invalid").inc()
            return Fetched(msg, seq, None)
        return Fetched(msg, seq, events_log.LoggedEvent.of(seq, msg.subject, envelope, dict(msg.headers or {})))

    def stop(self) -> None:
        self._stopping.set()

    async def _rewind_if_ahead(self, stream: str, position: int | None) -> None:
        """Restart the consumer after the last committed batch if an earlier run left messages in flight.

        Messages fetched by a run that stopped before committing them are delivered but unacked; with AckAll
        the next ack would cover them unapplied. So the database, not the consumer, says where to resume.
        No position row (a fresh or wiped database) means the consumer's own position stands.
        """
        if position is None:
            return
        try:
            info = await self._js.consumer_info(stream, DURABLE)
        except NotFoundError:
            return
        delivered = info.delivered.stream_seq if info.delivered else 0
        if delivered > position:
            log.info("projection_consumer_rewound", delivered=delivered, position=position)
            await self._js.delete_consumer(stream, DURABLE)

    async def _handle(self, batch: list[Fetched]) -> list[Frame] | None:
        """Commit a batch; None when stopping while the database is away (nothing was committed)."""
        waited = 0
        while True:
            try:
                return await self._apply_batch(batch)
            except LostLeadership:
                raise
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    log.warning("projection_batch_failed_retrying_one_by_one", error=str(exc), size=len(batch))
                    break
                if self._stopping.is_set():
                    return None
                log.warning("projection_waiting_for_database", attempt=waited, error=repr(exc))
                await asyncio.sleep(retry_delay(waited))
                waited += 1
        frames: list[Frame] = []
        for item in batch:
            applied = await self._apply_with_retries(item)
            if applied is None:
                return None
            frames.extend(applied)
        return frames

    async def _apply_with_retries(self, item: Fetched) -> list[Frame] | None:
        attempt = 0
        waited = 0
        while True:
            try:
                return await self._apply_batch([item])
            except LostLeadership:
                raise
            except Exception as exc:
                if is_infrastructure_error(exc):  # the database, not the event: wait, never dead-letter
                    if self._stopping.is_set():
                        return None
                    await asyncio.sleep(retry_delay(waited))
                    waited += 1
                    continue
                attempt += 1
                if attempt == self._max_attempts:
                    error = f"{type(exc).__name__}: {exc}"
                    await self._retrying(
                        "dead_letter",
                        lambda e=error: dead_letter(self._js, item.msg, error=e, service=SERVICE, prefix=self._prefix),
                    )
                    EVENTS_CONSUMED.labels(SERVICE, "unknown", "dead_lettered").inc()
                    return []
                await asyncio.sleep(backoff_delay(attempt, base=0.2, cap=5.0))

    async def _apply_batch(self, batch: list[Fetched]) -> list[Frame]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        decoded = [item.event for item in batch if item.event is not None]
        names = [p.name for p in self._projections]
        async with self._pool.acquire() as conn, conn.transaction():
            if self._fence is not None:
                await self._fence(conn)
            checkpoints = await load_checkpoints(conn, [*names, STREAM_POSITION])
            position = checkpoints[STREAM_POSITION]
            changed = {STREAM_POSITION: max(position, batch[-1].seq)}
            fresh = await events_log.append(conn, decoded, position)
            spans = [
                self._tracer.start_span(
                    f"project {e.envelope.type}", context=extract_context(e.headers), kind=SpanKind.CONSUMER
                )
                for e in fresh
                if self._tracing
            ]
            try:
                await apply_events(conn, self._projections, checkpoints, changed, [(e.envelope, e.seq) for e in fresh])
                await save_checkpoints(conn, changed)
            finally:
                for span in spans:
                    span.end()
        frames = []
        for e in fresh:
            topic = spec_for(e.envelope.type).topic
            if topic is not None:
                frames.append(Frame(e.seq, topic, frame_text(e.seq, e.envelope, e.data_json)))
        for event_type, count in Counter(e.envelope.type for e in fresh).items():
            EVENTS_CONSUMED.labels(SERVICE, event_type, "ok").inc(count)
        self.applied_seq = max(self.applied_seq, batch[-1].seq)
        HANDLER_SECONDS.labels(SERVICE, "projection_batch").observe(loop.time() - started)
        return frames


def _contiguous_run(msgs: list[Msg], expected: int | None) -> list[Msg]:
    """The leading messages that continue the sequence from `expected` without a hole (None: any start)."""
    run: list[Msg] = []
    for msg in msgs:
        seq = stream_sequence(msg)
        if expected is not None and seq != expected:
            break
        run.append(msg)
        expected = seq + 1
    return run


async def replay(pool: asyncpg.Pool, projections: Sequence[Projection], *, page: int = 2000) -> int:
    """Rebuild the given projections from the `events` log; returns the number of events applied."""
    applied = 0
    async with pool.acquire() as conn, conn.transaction():
        for projection in projections:
            for statement in projection.reset_sql:
                await conn.execute(statement)
        names = [p.name for p in projections]
        await conn.execute("UPDATE projection_checkpoints SET last_seq = 0 WHERE projection = ANY($1::text[])", names)
        checkpoints = await load_checkpoints(conn, names)
        types = sorted({t for p in projections for t in p.event_types})
        changed: dict[str, int] = {}
        last = 0
        while True:
            rows = await conn.fetch(
                "SELECT seq, id, type, occurred_at, correlation_id, causation_id, producer, version, data "
                "FROM events WHERE seq > $1 AND type = ANY($2::text[]) ORDER BY seq LIMIT $3",
                last,
                types,
                page,
            )
            if not rows:
                break
            await apply_events(
                conn, projections, checkpoints, changed, [(envelope_from_row(r), r["seq"]) for r in rows]
            )
            applied += len(rows)
            last = rows[-1]["seq"]
        # The checkpoint stays where the live runner had it, so it does not re-apply the tail.
        await conn.execute(
            "UPDATE projection_checkpoints"
            " SET last_seq = greatest(last_seq, (SELECT coalesce(max(seq), 0) FROM events))"
            " WHERE projection = ANY($1::text[])",
            names,
        )
    return applied


def envelope_from_row(row: asyncpg.Record) -> Envelope:
    data = msgspec.convert(row["data"], spec_for(row["type"]).data, strict=False)
    return Envelope(
        id=str(row["id"]),
        type=row["type"],
        occurred_at=row["occurred_at"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        producer=row["producer"],
        version=row["version"],
        data=data,
    )


async def stop_task(task: asyncio.Task[None], runner: ProjectionRunner) -> None:
    runner.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
