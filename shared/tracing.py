"""OpenTelemetry set-up and W3C trace-context propagation through NATS headers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def configure_tracing(service: str, exporter: str = "none") -> trace.TracerProvider:
    """Install a provider for `service`; exporter none (default) | console | otlp (needs the otlp package).

    With no exporter the API's no-op provider stays: spans cost nothing, and trace context still flows
    through NATS headers unchanged, so a downstream service that does export sees one trace.
    """
    if exporter == "none":
        return trace.get_tracer_provider()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    span_exporter: SpanExporter | None = None
    if exporter == "console":
        span_exporter = ConsoleSpanExporter()
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )

        span_exporter = OTLPSpanExporter()
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    return provider


def tracing_enabled(provider: trace.TracerProvider | None) -> bool:
    """False when spans would be no-ops (no provider given and none configured): callers skip span work."""
    if provider is not None:
        return True
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def inject_context(headers: dict[str, str], ctx: context.Context | None = None) -> dict[str, str]:
    """Add the trace context (traceparent/tracestate; the current one by default) to outgoing headers."""
    if ctx is None and not trace.get_current_span().get_span_context().is_valid:
        return headers  # no trace to pass on: skip the propagators (every event of an import gets here)
    propagate.inject(headers, context=ctx)
    return headers


def extract_context(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def tracer(name: str = "task-tracker") -> trace.Tracer:
    return trace.get_tracer(name)


# While a batch handler runs, the trace context of each event in the batch, by envelope id, so what it
# publishes for an event continues that event's trace (FastStream gives a batch one new trace with links).
_batch_contexts: ContextVar[dict[str, context.Context] | None] = ContextVar("tt_batch_contexts", default=None)


@contextmanager
def batch_contexts(contexts: dict[str, context.Context]) -> Iterator[None]:
    token = _batch_contexts.set(contexts)
    try:
        yield
    finally:
        _batch_contexts.reset(token)


def context_of_cause(causation_id: str | None) -> context.Context | None:
    """The trace context of the event that caused a publish, when it was handled in a batch."""
    contexts = _batch_contexts.get()
    if contexts is None or causation_id is None:
        return None
    return contexts.get(causation_id)
