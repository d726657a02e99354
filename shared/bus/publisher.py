"""Publishing envelopes to JetStream with dedupe ids, causality and trace context."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import APIError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from shared.bus import headers as h
from shared.contracts import Envelope, EventData, encode, make_envelope, spec_for
from shared.faults import is_infrastructure_error, retry_delay
from shared.logging import get_logger
from shared.metrics import EVENTS_PUBLISHED
from shared.tracing import context_of_cause, inject_context, tracing_enabled

log = get_logger(__name__)
# Every await on the bus has a deadline: an ack lost with a crashed server never arrives.
ACK_TIMEOUT_S = 5.0  # one publish's ack; a batch's acks get this long after the last one is sent
RETRY_BUDGET_S = 20.0  # how long one publish keeps retrying while the server is away, then raises


class Publisher:
    """Publishes envelopes on `<prefix>.<type>`; the natural key, when given, becomes `Nats-Msg-Id`."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        producer: str,
        prefix: str = "tt",
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self._js = js
        self.producer = producer
        self.prefix = prefix
        self._tracer = trace.get_tracer("tt.publisher", tracer_provider=tracer_provider)
        self._tracing = tracing_enabled(tracer_provider)

    def envelope(
        self, data: EventData, *, event_type: str | None = None, caused_by: Envelope | None = None
    ) -> Envelope:
        """A new envelope; `caused_by` carries the correlation id forward and sets the causation id."""
        return make_envelope(
            data,
            producer=self.producer,
            event_type=event_type,
            correlation_id=caused_by.correlation_id if caused_by else None,
            causation_id=caused_by.id if caused_by else None,
        )

    def subject(self, envelope: Envelope) -> str:
        return spec_for(envelope.type).subject(self.prefix)

    def _span(self, envelope: Envelope) -> Any:
        """The publish span, child of the causing event's trace when that event was handled in a batch.

        Without tracing there is no span, and the incoming trace context is passed on unchanged.
        """
        if not self._tracing:
            return contextlib.nullcontext()
        return self._tracer.start_as_current_span(
            f"publish {envelope.type}", context=context_of_cause(envelope.causation_id), kind=SpanKind.PRODUCER
        )

    def _headers(self, envelope: Envelope, msg_id: str | None) -> dict[str, str]:
        headers = {h.MSG_ID: msg_id or envelope.id}
        # With a publish span it is the current context; without one, pass on the causing event's context.
        return inject_context(headers, None if self._tracing else context_of_cause(envelope.causation_id))

    async def publish(self, envelope: Envelope, *, msg_id: str | None = None) -> PubAck:
        """Publish one envelope and wait for the stream's ack, retrying transient failures with backoff."""
        subject = self.subject(envelope)
        with self._span(envelope):
            payload, headers = encode(envelope), self._headers(envelope, msg_id)
            ack = await _with_retries(
                lambda: self._js.publish(subject, payload, timeout=ACK_TIMEOUT_S, headers=headers)
            )
        EVENTS_PUBLISHED.labels(self.producer, envelope.type).inc()
        return ack

    async def publish_many(self, items: Sequence[tuple[Envelope, str | None]]) -> list[PubAck]:
        """Publish a batch without awaiting each ack in turn; returns acks in order.

        Each item is (envelope, msg_id). Acks not back within ACK_TIMEOUT_S (a server that crashed or a cut
        connection loses them) are given up and those messages published again one by one with retries; the
        msg id makes a second copy of one that did land a duplicate the stream drops. So the batch either
        lands completely or raises, and never waits forever.
        """
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for envelope, msg_id in items:
                subject = self.subject(envelope)
                with self._span(envelope):
                    futures.append(
                        await self._js.publish_async(
                            subject,
                            encode(envelope),
                            wait_stall=ACK_TIMEOUT_S,
                            headers=self._headers(envelope, msg_id),
                        )
                    )
        except Exception as exc:  # stalled or disconnected: whatever was not sent is published one by one below
            log.warning("publish_batch_interrupted", sent=len(futures), size=len(items), error=repr(exc))
        if futures:
            _, pending = await asyncio.wait(futures, timeout=ACK_TIMEOUT_S)
            for future in pending:
                future.cancel()  # frees its slot in nats-py's pending-ack window
            if pending:
                log.warning("publish_acks_lost", missing=len(pending), size=len(items))
        acks: list[PubAck] = []
        published: Counter[str] = Counter()
        for i, (envelope, msg_id) in enumerate(items):
            future = futures[i] if i < len(futures) else None
            if future is None or future.cancelled() or future.exception() is not None:
                acks.append(await self.publish(envelope, msg_id=msg_id))
            else:
                published[envelope.type] += 1
                acks.append(future.result())
        for event_type, count in published.items():
            EVENTS_PUBLISHED.labels(self.producer, event_type).inc(count)
        return acks

    async def emit(
        self,
        data: EventData,
        *,
        event_type: str | None = None,
        caused_by: Envelope | None = None,
        msg_id: str | None = None,
    ) -> Envelope:
        """Build and publish in one step; returns the envelope that was published."""
        envelope = self.envelope(data, event_type=event_type, caused_by=caused_by)
        await self.publish(envelope, msg_id=msg_id)
        return envelope


async def _with_retries(call, budget_s: float = RETRY_BUDGET_S) -> PubAck:  # type: ignore[no-untyped-def]
    """Retry while the server is unreachable (each attempt has its own deadline), for at most `budget_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    attempt = 0
    while True:
        try:
            return await call()  # type: ignore[no-any-return]
        except Exception as exc:
            transient = is_infrastructure_error(exc) or (isinstance(exc, APIError) and exc.code is None)
            if not transient or loop.time() >= deadline:
                raise
            await asyncio.sleep(retry_delay(attempt))
            attempt += 1
