"""Prometheus metrics every service exports on /metrics; names are what Grafana panels query."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

EVENTS_CONSUMED = Counter(
    "tt_events_consumed_total", "Events a handler finished, by outcome", ["service", "type", "outcome"]
)
EVENTS_PUBLISHED = Counter("tt_events_published_total", "Events published to the bus", ["service", "type"])
HANDLER_SECONDS = Histogram(
    "tt_handler_duration_seconds",
    "Time a handler spent on one event (or one batch)",
    ["service", "type"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DLQ_TOTAL = Counter("tt_dlq_total", "Messages moved to the dead-letter subject", ["service", "subject"])
CONSUMER_PENDING = Gauge("tt_consumer_pending", "Messages not yet delivered to a durable consumer", ["consumer"])
CONSUMER_ACK_PENDING = Gauge("tt_consumer_ack_pending", "Messages delivered but not yet acked", ["consumer"])
PROJECTION_LAST_SEQ = Gauge("tt_projection_last_seq", "Last stream sequence applied", ["projection"])
STREAM_LAST_SEQ = Gauge("tt_stream_last_seq", "Last sequence in the event stream")
WS_CLIENTS = Gauge("tt_ws_clients", "Connected WebSocket clients per topic", ["topic"])
WS_FRAMES = Counter("tt_ws_frames_sent_total", "Event frames sent to WebSocket clients", ["topic"])
INGESTION_JOBS = Gauge("tt_ingestion_jobs", "Ingestion jobs by status", ["status"])
MESSAGES_CLASSIFIED = Counter("tt_messages_classified_total", "Messages scored, by classification", ["classification"])


def render(registry: CollectorRegistry = REGISTRY) -> bytes:
    return generate_latest(registry)
