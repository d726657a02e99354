"""Across real JetStream: one trace from first publish to every stage and projection; bad events dead-lettered."""

from __future__ import annotations

import asyncio

import httpx
import msgspec
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.gateway.app import create_app
from services.scorer import handlers
from shared.bus import headers as h
from shared.bus.publisher import Publisher
from shared.bus.service import Stage
from shared.contracts import utcnow
from shared.contracts.messages import MessageIngested
from shared.testing.gateway import AUTH, GatewayHarness
from shared.testing.running import serving


async def _until(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names, current = [], span
    while current.parent is not None and current.parent.span_id in by_id:
        current = by_id[current.parent.span_id]
        names.append(current.name)
    return names


async def test_the_first_publish_is_the_ancestor_of_every_stage_and_projection_span(harness: GatewayHarness) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    settings = harness.settings
    scorer = Stage("scorer", settings, tracer_provider=provider)
    handlers.register(scorer)
    gateway = create_app(settings, tracer_provider=provider)
    async with serving(gateway, health_path="/api/health"), serving(scorer.app):
        publisher = Publisher(harness.js, producer="test", prefix=settings.subject_prefix, tracer_provider=provider)
        with tracer.start_as_current_span("telegram message arrives") as origin:
            await publisher.emit(
                MessageIngested(
                    key="telegram:-1:1",
                    chat_id="-1",
                    message_id=1,
                    text="Прод впав: 502 на /api/pay",
                    sent_at=utcnow(),
                    language="uk",
                )
            )

        async def scored() -> bool:
            return await harness.pool.fetchval("SELECT classification FROM messages") is not None  # type: ignore[attr-defined]

        await _until(scored)
        await asyncio.sleep(0.2)
    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans}
    trace_id = origin.get_span_context().trace_id
    projected = [s for s in spans if s.name.startswith("project ")]
    # The stage's span for the message continues the trace that arrived in its headers (a remote parent).
    stage_spans = [s for s in spans if s.name.endswith("messages.ingested process") and s.parent and s.parent.is_remote]
    # FastStream's own span for a fetched batch starts a new trace that links to each message's trace.
    batch_roots = [s for s in spans if s.name.endswith("messages.ingested create") and s.links]
    assert all(any(link.context.trace_id == trace_id for link in s.links) for s in batch_roots)
    assert {s.name for s in projected} >= {"project messages.ingested", "project noise_filtering.message_scored"}
    assert stage_spans, [s.name for s in spans]
    for span in projected + stage_spans:
        assert span.context.trace_id == trace_id, span.name
        assert "telegram message arrives" in _ancestors(span, by_id), (span.name, _ancestors(span, by_id))


async def test_a_malformed_or_unknown_event_is_dead_lettered_with_its_error_and_counted(
    harness: GatewayHarness,
) -> None:
    prefix = harness.settings.subject_prefix
    async with serving(create_app(harness.settings), health_path="/api/health") as base:
        await harness.js.publish(f"{prefix}.tasks.created", b'{"broken":', headers={h.MSG_ID: "bad-1"})
        unknown = msgspec.json.encode(
            {
                "id": "0192a8a0-0000-7000-8000-00000000000a",
                "type": "tasks.exploded",
                "occurred_at": "2026-01-01T00:00:00Z",
                "correlation_id": "c",
                "producer": "test",
                "data": {},
            }
        )
        await harness.js.publish(f"{prefix}.tasks.exploded", unknown, headers={h.MSG_ID: "bad-2"})
        await harness.publisher.emit(
            MessageIngested(key="telegram:-1:2", chat_id="-1", message_id=2, text="still fine", sent_at=utcnow())
        )
        sub = await harness.js.pull_subscribe(f"{prefix}.dlq.>", durable=None, stream=prefix.upper())
        dead = []
        async with asyncio.timeout(20):
            while len(dead) < 2:
                try:
                    dead.extend(await sub.fetch(2 - len(dead), timeout=0.5))
                except TimeoutError:
                    pass
        async with httpx.AsyncClient(base_url=base, headers=AUTH) as client:
            metrics = (await client.get("/metrics")).text
            health = (await client.get("/api/health")).json()

        async def projected() -> bool:
            return await harness.pool.fetchval("SELECT count(*) FROM messages") == 1  # type: ignore[attr-defined]

        await _until(projected)
    errors = {m.subject: m.headers[h.DLQ_ERROR] for m in dead}
    assert "invalid envelope" in errors[f"{prefix}.dlq.tasks.created"]
    assert "unknown event type 'tasks.exploded'" in errors[f"{prefix}.dlq.tasks.exploded"]
    assert f'tt_dlq_total{{service="gateway",subject="{prefix}.tasks.created"}} 1.0' in metrics
    assert health["status"] == "ok"
