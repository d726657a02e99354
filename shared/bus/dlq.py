"""Dead-lettering: a message that cannot be handled goes to `<prefix>.dlq.<type>` with its error."""

from __future__ import annotations

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.bus import headers as h
from shared.logging import get_logger
from shared.metrics import DLQ_TOTAL

log = get_logger(__name__)


def dlq_subject(subject: str, prefix: str) -> str:
    rest = subject[len(prefix) + 1 :] if subject.startswith(prefix + ".") else subject
    return f"{prefix}.dlq.{rest}"


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Delay before redelivery after `attempt` failed deliveries (1-based), doubling up to `cap`."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


async def dead_letter_raw(
    js: JetStreamContext, subject: str, data: bytes, *, error: str, service: str, prefix: str, msg_id: str
) -> None:
    """Keep input that was refused before it became an event (e.g. a webhook body), with the reason."""
    headers = {h.DLQ_ERROR: error[:2000], h.DLQ_SUBJECT: subject, h.DLQ_SERVICE: service, h.MSG_ID: msg_id}
    await js.publish(dlq_subject(subject, prefix), data, headers=headers)
    DLQ_TOTAL.labels(service, subject).inc()


async def dead_letter(js: JetStreamContext, msg: Msg, *, error: str, service: str, prefix: str) -> None:
    """Publish the original bytes with the error; deduped on (service, stream sequence)."""
    meta = msg.metadata
    headers = dict(msg.headers or {})
    headers.update(
        {
            h.DLQ_ERROR: error[:2000],
            h.DLQ_SUBJECT: msg.subject,
            h.DLQ_SERVICE: service,
            h.DLQ_DELIVERIES: str(meta.num_delivered),
            h.MSG_ID: f"dlq:{service}:{meta.sequence.stream}",
        }
    )
    await js.publish(dlq_subject(msg.subject, prefix), msg.data, headers=headers)
    DLQ_TOTAL.labels(service, msg.subject).inc()
    log.warning("dead_lettered", subject=msg.subject, seq=meta.sequence.stream, error=error[:300])
