-- Analysis runs, task proposals, tasks and classification experiments.
-- depends: 0004_messages
-- Embedding policy: see 0003_knowledge.sql (fixed 384-d column, model id stored, never mixed).

CREATE TABLE analysis_runs (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- pending -> running -> completed | failed | cancelled -> closed
    status                    text NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'closed')),
    window_start              timestamptz NOT NULL,
    window_end                timestamptz NOT NULL,
    project_id                uuid REFERENCES projects (id) ON DELETE SET NULL,
    agent_id                  uuid REFERENCES agents (id) ON DELETE SET NULL,
    trigger                   text NOT NULL DEFAULT 'manual',
    messages_in_window        integer NOT NULL DEFAULT 0,
    messages_after_prefilter  integer NOT NULL DEFAULT 0,
    batches                   integer NOT NULL DEFAULT 0,
    batches_done              integer NOT NULL DEFAULT 0,
    proposals_total           integer NOT NULL DEFAULT 0,
    proposals_approved        integer NOT NULL DEFAULT 0,
    proposals_rejected        integer NOT NULL DEFAULT 0,
    proposals_merged          integer NOT NULL DEFAULT 0,
    proposals_pending         integer NOT NULL DEFAULT 0,
    tokens_used               integer NOT NULL DEFAULT 0,
    cost_estimate             numeric(12, 6),
    approval_rate             real CHECK (approval_rate BETWEEN 0 AND 1),    -- recorded on close
    rejection_rate            real CHECK (rejection_rate BETWEEN 0 AND 1),
    error                     text,
    created_at                timestamptz NOT NULL DEFAULT now(),
    started_at                timestamptz,
    completed_at              timestamptz,
    closed_at                 timestamptz,
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CHECK (window_end >= window_start)
);
CREATE INDEX analysis_runs_status_idx ON analysis_runs (status, created_at DESC);

CREATE TABLE tasks (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title                text NOT NULL CHECK (btrim(title) <> ''),
    description          text NOT NULL DEFAULT '',
    status               text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'in_progress', 'completed', 'closed')),
    priority             text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    category             text NOT NULL DEFAULT 'feature'
                         CHECK (category IN ('bug', 'feature', 'improvement', 'question', 'docs', 'chore')),
    project_id           uuid REFERENCES projects (id) ON DELETE SET NULL,
    assignee             text,
    -- Merging a proposal into a task appends the proposal's keys here.
    source_message_keys  text[] NOT NULL DEFAULT '{}',
    proposal_id          uuid,          -- FK added below: proposals and tasks refer to each other
    embedding            vector(384),   -- "similar existing task" look-ups for new proposals
    embedding_model      text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (embedding IS NULL OR embedding_model IS NOT NULL)
);
CREATE INDEX tasks_status_idx ON tasks (status, updated_at DESC);
CREATE INDEX tasks_project_idx ON tasks (project_id);
CREATE INDEX tasks_embedding_hnsw_idx ON tasks
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

CREATE TABLE task_proposals (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id               uuid NOT NULL REFERENCES analysis_runs (id) ON DELETE CASCADE,
    title                text NOT NULL CHECK (btrim(title) <> ''),
    description          text NOT NULL DEFAULT '',
    priority             text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    category             text NOT NULL DEFAULT 'feature'
                         CHECK (category IN ('bug', 'feature', 'improvement', 'question', 'docs', 'chore')),
    project_id           uuid REFERENCES projects (id) ON DELETE SET NULL,
    tags                 text[] NOT NULL DEFAULT '{}',
    confidence           real NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 1),
    reasoning            text NOT NULL DEFAULT '',
    recommendation       text NOT NULL DEFAULT 'new_task'
                         CHECK (recommendation IN ('new_task', 'update_existing', 'merge', 'reject')),
    -- The messages that support THIS proposal (not the whole batch).
    source_message_keys  text[] NOT NULL DEFAULT '{}',
    similar_task_id      uuid REFERENCES tasks (id) ON DELETE SET NULL,
    similarity           real CHECK (similarity BETWEEN -1 AND 1),
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'rejected', 'merged')),
    task_id              uuid REFERENCES tasks (id) ON DELETE SET NULL,   -- created (approved) or merged into
    review_notes         text,     -- a rejection's reason is required by the API and stored here
    reviewer             text,
    reviewed_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_proposals_run_status_idx ON task_proposals (run_id, status);
CREATE INDEX task_proposals_pending_idx ON task_proposals (created_at) WHERE status = 'pending';
CREATE INDEX task_proposals_task_idx ON task_proposals (task_id);

ALTER TABLE tasks
    ADD CONSTRAINT tasks_proposal_id_fkey FOREIGN KEY (proposal_id) REFERENCES task_proposals (id) ON DELETE SET NULL;

CREATE TABLE classification_experiments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id      uuid REFERENCES llm_providers (id) ON DELETE SET NULL,
    model            text,
    agent_id         uuid REFERENCES agents (id) ON DELETE SET NULL,
    sample_size      integer NOT NULL CHECK (sample_size BETWEEN 1 AND 1000),
    topics_snapshot  jsonb NOT NULL DEFAULT '[]'::jsonb,   -- the topics as they were when the run began
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    processed        integer NOT NULL DEFAULT 0,
    accuracy         real CHECK (accuracy BETWEEN 0 AND 1),
    avg_confidence   real CHECK (avg_confidence BETWEEN 0 AND 1),
    avg_latency_ms   real,
    confusion        jsonb NOT NULL DEFAULT '{}'::jsonb,   -- actual topic -> predicted topic -> count
    results          jsonb NOT NULL DEFAULT '[]'::jsonb,   -- per-message results
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX classification_experiments_created_idx ON classification_experiments (created_at DESC);
