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
from shared.metrics import EVENTS_PUBLISHED
from shared.tracing import context_of_cause, inject_context, tracing_enabled

RETRIES = 4


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
            ack = await _with_retries(lambda: self._js.publish(subject, payload, headers=headers))
        EVENTS_PUBLISHED.labels(self.producer, envelope.type).inc()
        return ack

    async def publish_many(self, items: Sequence[tuple[Envelope, str | None]]) -> list[PubAck]:
        """Publish a batch without awaiting each ack in turn; returns acks in order.

        Each item is (envelope, msg_id). Failed publishes are retried one by one, so the batch either
        lands completely or raises.
        """
        futures = []
        for envelope, msg_id in items:
            subject = self.subject(envelope)
            with self._span(envelope):
                futures.append(
                    await self._js.publish_async(subject, encode(envelope), headers=self._headers(envelope, msg_id))
                )
        results = await asyncio.gather(*futures, return_exceptions=True)
        acks: list[PubAck] = []
        published: Counter[str] = Counter()
        for (envelope, msg_id), result in zip(items, results, strict=True):
            if isinstance(result, BaseException):
                result = await self.publish(envelope, msg_id=msg_id)
            else:
                published[envelope.type] += 1
            acks.append(result)
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


async def _with_retries(call, attempts: int = RETRIES) -> PubAck:  # type: ignore[no-untyped-def]
    delay = 0.1
    for attempt in range(attempts):
        try:
            return await call()  # type: ignore[no-any-return]
        except (TimeoutError, APIError) as exc:
            if isinstance(exc, APIError) and exc.code not in (None, 503):
                raise
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
