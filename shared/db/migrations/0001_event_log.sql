-- Event log and projection checkpoints: every read model is a projection of this log.
CREATE EXTENSION IF NOT EXISTS vector;

-- Every event and command, keyed by its JetStream stream sequence so `tracker replay`
-- can rebuild any read model in stream order and WebSocket clients can resume by seq.
CREATE TABLE events (
    seq             bigint PRIMARY KEY,
    id              uuid NOT NULL UNIQUE,
    type            text NOT NULL,
    subject         text NOT NULL,
    topic           text,                 -- WebSocket topic; NULL for commands (never relayed)
    version         integer NOT NULL DEFAULT 1,
    occurred_at     timestamptz NOT NULL,
    correlation_id  text NOT NULL,
    causation_id    text,
    producer        text NOT NULL,
    data            jsonb NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- trace context (traceparent, …)
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

-- WebSocket resume: "events of these topics after seq N".
CREATE INDEX events_topic_seq_idx ON events (topic, seq);
CREATE INDEX events_type_seq_idx ON events (type, seq);
CREATE INDEX events_correlation_idx ON events (correlation_id);

-- Written in the same transaction as a projection's rows, so a redelivered event is applied once.
CREATE TABLE projection_checkpoints (
    projection  text PRIMARY KEY,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
