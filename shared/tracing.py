"""OpenTelemetry set-up and W3C trace-context propagation through NATS headers."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def configure_tracing(service: str, exporter: str = "none") -> TracerProvider:
    """Install a provider for `service`; exporter none (default) | console | otlp (needs the otlp package)."""
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


def inject_context(headers: dict[str, str]) -> dict[str, str]:
    """Add the current trace context (traceparent/tracestate) to outgoing headers."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def tracer(name: str = "task-tracker") -> trace.Tracer:
    return trace.get_tracer(name)
