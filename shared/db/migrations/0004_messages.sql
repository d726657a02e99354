-- Chat messages and where they come from: profiles, chats, messages with edit and
-- classification history, ingestion jobs.
-- depends: 0003_knowledge
-- Embedding policy: see 0003_knowledge.sql (fixed 384-d column, model id stored, never mixed).

CREATE TABLE profiles (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL DEFAULT 'telegram',
    source_user_id  text NOT NULL,
    display_name    text NOT NULL DEFAULT '',
    username        text,
    language        text,
    is_bot          boolean NOT NULL DEFAULT false,
    avatar_path     text,          -- local file only: Telegram file URLs embed the bot token
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_user_id)
);

CREATE TABLE chats (
    id          bigserial PRIMARY KEY,
    source      text NOT NULL DEFAULT 'telegram',
    chat_id     text NOT NULL,
    title       text,
    type        text,
    monitored   boolean NOT NULL DEFAULT false,   -- allow-list: only monitored chats are ingested
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, chat_id)
);

CREATE TABLE messages (
    id                       bigserial PRIMARY KEY,
    -- Natural key "telegram:<chat_id>:<message_id>": also the Nats-Msg-Id, so every ingestion path
    -- (export, webhook, live, backfill) lands on one row. Telegram ids repeat across chats.
    key                      text NOT NULL UNIQUE,
    source                   text NOT NULL DEFAULT 'telegram',
    channel                  text,      -- export | webhook | live | backfill | api (first seen)
    chat_id                  text NOT NULL,
    message_id               bigint NOT NULL,
    author_id                bigint REFERENCES profiles (id) ON DELETE SET NULL,
    text                     text NOT NULL DEFAULT '',   -- text, else caption, else a media placeholder
    entities                 jsonb NOT NULL DEFAULT '[]'::jsonb,
    reply_to_message_id      bigint,
    thread_id                bigint,
    forwarded_from           text,
    sent_at                  timestamptz NOT NULL,
    edited_at                timestamptz,
    language                 text NOT NULL DEFAULT 'unknown'
                             CHECK (language IN ('uk', 'ru', 'en', 'other', 'unknown')),
    attachments              jsonb NOT NULL DEFAULT '[]'::jsonb,
    importance_score         real CHECK (importance_score BETWEEN 0 AND 1),
    classification           text CHECK (classification IN ('signal', 'weak_signal', 'noise')),
    score_factors            jsonb,
    scorer                   text,      -- heuristic | llm
    scored_at                timestamptz,
    -- A person's override wins over the scorer's label; the scorer's label is kept beside it.
    classification_override  text CHECK (classification_override IN ('signal', 'weak_signal', 'noise')),
    override_by              text,
    override_at              timestamptz,
    override_reason          text,
    effective_classification text GENERATED ALWAYS AS
                             (coalesce(classification_override, classification)) STORED,
    topic_id                 uuid REFERENCES topics (id) ON DELETE SET NULL,   -- NULL = not yet assigned
    -- The run that consumed the message, so one the model ignored is not picked up forever.
    -- No FK: the run row is a projection of its own event and replays independently.
    extraction_run_id        uuid,
    embedding                vector(384),
    embedding_model          text,
    -- 'simple' config: no stemming, works the same for uk / ru / en.
    search                   tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, chat_id, message_id),
    CHECK (embedding IS NULL OR embedding_model IS NOT NULL)
);
CREATE INDEX messages_chat_sent_idx ON messages (chat_id, sent_at);
CREATE INDEX messages_author_idx ON messages (author_id);
CREATE INDEX messages_classification_idx ON messages (classification);
CREATE INDEX messages_effective_classification_idx ON messages (effective_classification, sent_at DESC);
CREATE INDEX messages_importance_sent_idx ON messages (importance_score, sent_at DESC);
-- Unassigned messages: the extraction trigger and the "no topic yet" views read only these.
CREATE INDEX messages_unassigned_idx ON messages (topic_id, sent_at) WHERE topic_id IS NULL;
CREATE INDEX messages_topic_idx ON messages (topic_id) WHERE topic_id IS NOT NULL;
CREATE INDEX messages_search_idx ON messages USING gin (search);
CREATE INDEX messages_embedding_hnsw_idx ON messages
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

-- One row per edit: the text before and after, so the detail view shows the whole history.
CREATE TABLE message_edits (
    id             bigserial PRIMARY KEY,
    message_key    text NOT NULL REFERENCES messages (key) ON DELETE CASCADE,
    previous_text  text NOT NULL,
    text           text NOT NULL,
    entities       jsonb NOT NULL DEFAULT '[]'::jsonb,
    edited_at      timestamptz NOT NULL,
    channel        text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (message_key, edited_at)   -- the same edit seen via webhook and live listener is one row
);

-- Every score and every manual override, in order; messages holds only the current state.
CREATE TABLE message_classification_history (
    id                bigserial PRIMARY KEY,
    message_key       text NOT NULL REFERENCES messages (key) ON DELETE CASCADE,
    kind              text NOT NULL CHECK (kind IN ('score', 'override')),
    importance_score  real CHECK (importance_score BETWEEN 0 AND 1),
    classification    text NOT NULL CHECK (classification IN ('signal', 'weak_signal', 'noise')),
    score_factors     jsonb,
    scorer            text,
    model             text,
    reasoning         text,
    changed_by        text,
    reason            text,
    changed_at        timestamptz NOT NULL,
    event_id          uuid UNIQUE,       -- the event that caused it; a redelivery cannot add a row twice
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_classification_history_key_idx ON message_classification_history (message_key, changed_at);

CREATE TABLE ingestion_jobs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    chats         text[] NOT NULL DEFAULT '{}',
    since         timestamptz,
    until         timestamptz,
    depth         integer CHECK (depth > 0),
    batch_size    integer NOT NULL DEFAULT 100 CHECK (batch_size > 0),
    fetched       integer NOT NULL DEFAULT 0,
    stored        integer NOT NULL DEFAULT 0,
    skipped       integer NOT NULL DEFAULT 0,   -- duplicates
    errors        integer NOT NULL DEFAULT 0,
    current_chat  text,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    completed_at  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- The stuck-job sweeper looks for running jobs older than the timeout.
CREATE INDEX ingestion_jobs_status_idx ON ingestion_jobs (status, started_at);
