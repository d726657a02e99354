-- LLM providers, agents (with the system agents seeded), projects, scheduled extractions, wipe tokens.
-- depends: 0001_event_log

CREATE TABLE llm_providers (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name               text NOT NULL UNIQUE,
    type               text NOT NULL CHECK (type IN ('openai', 'ollama', 'openai_compatible', 'local')),
    base_url           text,
    api_key_encrypted  bytea,             -- ciphertext only; never returned, logged or put in an event
    active             boolean NOT NULL DEFAULT true,
    validation_status  text NOT NULL DEFAULT 'pending'
                       CHECK (validation_status IN ('pending', 'validating', 'connected', 'error')),
    validation_error   text,
    validated_at       timestamptz,
    models             text[] NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text NOT NULL UNIQUE,
    role           text NOT NULL
                   CHECK (role IN ('knowledge_extractor', 'importance_scorer', 'task_proposer',
                                   'topic_classifier', 'custom')),
    provider_id    uuid REFERENCES llm_providers (id) ON DELETE SET NULL,
    model          text,                  -- NULL: the provider's default model
    temperature    real NOT NULL DEFAULT 0.2 CHECK (temperature BETWEEN 0 AND 2),
    max_tokens     integer NOT NULL DEFAULT 2048 CHECK (max_tokens > 0),
    custom_prompt  text,                  -- appended to the built-in prompt, never replaces it
    active         boolean NOT NULL DEFAULT true,
    is_system      boolean NOT NULL DEFAULT false,  -- seeded below; services look these up by role
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_role_idx ON agents (role) WHERE active;
CREATE INDEX agents_provider_idx ON agents (provider_id);

-- Fixed ids so every service and test can name the offline defaults without a lookup.
-- The reference forgot to seed one agent and silently fell back; here all exist from the start.
INSERT INTO llm_providers (id, name, type, active, validation_status)
VALUES ('00000000-0000-4000-8000-000000000001', 'local', 'local', true, 'connected');

INSERT INTO agents (id, name, role, provider_id, is_system) VALUES
    ('00000000-0000-4000-8000-000000000101', 'knowledge-extractor', 'knowledge_extractor',
     '00000000-0000-4000-8000-000000000001', true),
    ('00000000-0000-4000-8000-000000000102', 'importance-scorer', 'importance_scorer',
     '00000000-0000-4000-8000-000000000001', true),
    ('00000000-0000-4000-8000-000000000103', 'task-proposer', 'task_proposer',
     '00000000-0000-4000-8000-000000000001', true),
    ('00000000-0000-4000-8000-000000000104', 'topic-classifier', 'topic_classifier',
     '00000000-0000-4000-8000-000000000001', true);

CREATE TABLE projects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL UNIQUE,
    description     text NOT NULL DEFAULT '',
    keywords        text[] NOT NULL DEFAULT '{}',
    glossary        jsonb NOT NULL DEFAULT '{}'::jsonb,   -- term -> meaning
    components      jsonb NOT NULL DEFAULT '[]'::jsonb,   -- [{"name", "keywords": [...]}]
    priority_rules  jsonb NOT NULL DEFAULT '[]'::jsonb,
    language        text,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scheduled_extractions (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                  text NOT NULL UNIQUE,
    cron                  text NOT NULL,
    agent_id              uuid REFERENCES agents (id) ON DELETE SET NULL,
    chats                 text[] NOT NULL DEFAULT '{}',   -- chat filter; empty = every monitored chat
    min_score             real CHECK (min_score BETWEEN 0 AND 1),
    lookback_hours        integer NOT NULL DEFAULT 24 CHECK (lookback_hours > 0),
    auto_approve          boolean NOT NULL DEFAULT false,
    confidence_threshold  real NOT NULL DEFAULT 0.8 CHECK (confidence_threshold BETWEEN 0 AND 1),
    allowed_atom_types    text[] NOT NULL DEFAULT '{}'
                          CHECK (allowed_atom_types <@ ARRAY['problem', 'solution', 'decision', 'question',
                                 'insight', 'idea', 'blocker', 'risk', 'requirement']::text[]),
    last_run_at           timestamptz,
    active                boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Two-step data wipe: step one stores the hash of a 5-minute token, step two must present it.
CREATE TABLE admin_wipe_tokens (
    token_hash    text PRIMARY KEY,        -- sha256 hex; the token itself is never stored
    requested_by  text,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
