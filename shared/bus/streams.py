"""Idempotent provisioning of the event stream and durable consumers."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

DEDUPE_WINDOW_S = 2 * 3600  # the read model's unique key covers anything older


def stream_name(prefix: str) -> str:
    return prefix.upper().replace(".", "_").replace("-", "_")


def consumer_name(service: str, subject_filter: str) -> str:
    """Durable names may not contain dots or wildcards."""
    return f"{service}--{subject_filter}".replace(".", "_").replace(">", "all").replace("*", "any")


async def ensure_stream(js: JetStreamContext, prefix: str, replicas: int = 1) -> str:
    """Create or update the one file-backed stream holding `<prefix>.>`; safe to call from every service."""
    name = stream_name(prefix)
    config = StreamConfig(
        name=name,
        subjects=[f"{prefix}.>"],
        storage=StorageType.FILE,
        duplicate_window=DEDUPE_WINDOW_S,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)
    return name


def consumer_config(
    durable: str, filter_subject: str, *, max_deliver: int, ack_wait_s: float, max_ack_pending: int = 1000
) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        filter_subject=filter_subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=max_deliver,
        ack_wait=ack_wait_s,
        max_ack_pending=max_ack_pending,
    )


async def ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    try:
        await js.consumer_info(stream, config.durable_name or "")
    except NotFoundError:
        await js.add_consumer(stream, config)
