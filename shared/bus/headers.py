"""Header names the bus uses besides NATS's own `Nats-Msg-Id` and W3C `traceparent`.

Type, correlation and causation ids travel in the envelope only: every consumer parses every header
(nats-py checks them character by character), so a header has to earn its place.
"""

MSG_ID = "Nats-Msg-Id"
DLQ_ERROR = "tt-dlq-error"
DLQ_SUBJECT = "tt-dlq-original-subject"
DLQ_SERVICE = "tt-dlq-service"
DLQ_DELIVERIES = "tt-dlq-deliveries"
