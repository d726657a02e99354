-- Knowledge base: topics, atoms, their links and versions, and the extraction runs that produce them.
-- depends: 0002_configuration
--
-- Embedding policy (SPEC §6): vectors of different models or dimensions are never mixed or padded.
-- `embedding vector(384)` holds the default model (multilingual-e5-small, 384-d) and `embedding_model`
-- names the model that produced it. A model of another dimension gets its own column family
-- (`embedding_<dim>` + `embedding_<dim>_model` + its own HNSW index) in a later migration; until then
-- the projection refuses a vector whose dimension does not fit (the column type rejects it anyway).
-- Switching models of the same dimension re-embeds everything (tt.cmd.embedder.reembed), and
-- similarity queries filter on embedding_model so two models are never compared.
--
-- HNSW m / ef_construction are first-cut values; bench/search.py tunes them in a later migration.
-- updated_at is set by the projections from the event time (no trigger), so a replay reproduces rows.

CREATE TABLE topics (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name               text NOT NULL CHECK (btrim(name) <> ''),
    description        text NOT NULL DEFAULT '',
    keywords           text[] NOT NULL DEFAULT '{}',
    icon               text,
    color              text CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    active             boolean NOT NULL DEFAULT true,   -- false = archived
    parent_id          uuid REFERENCES topics (id) ON DELETE SET NULL,
    source_message_keys text[] NOT NULL DEFAULT '{}',
    extraction_run_id  uuid,
    embedding          vector(384),
    embedding_model    text,
    search             tsvector GENERATED ALWAYS AS
                       (to_tsvector('simple', name || ' ' || description)) STORED,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (embedding IS NULL OR embedding_model IS NOT NULL)
);
-- Case-insensitive uniqueness: "Deploy Pipeline" and "deploy pipeline" are one topic.
CREATE UNIQUE INDEX topics_name_lower_key ON topics (lower(name));
CREATE INDEX topics_parent_idx ON topics (parent_id);
CREATE INDEX topics_search_idx ON topics USING gin (search);
CREATE INDEX topics_embedding_hnsw_idx ON topics
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

CREATE TABLE extraction_runs (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelling', 'cancelled')),
    trigger             text NOT NULL DEFAULT 'manual',   -- auto | manual | scheduled:<name>
    agent_id            uuid REFERENCES agents (id) ON DELETE SET NULL,
    chat_id             text,
    message_keys        text[] NOT NULL DEFAULT '{}',     -- manual trigger by message ids
    period_start        timestamptz,
    period_end          timestamptz,
    message_count       integer NOT NULL DEFAULT 0,
    messages_processed  integer NOT NULL DEFAULT 0,
    topics_created      integer NOT NULL DEFAULT 0,
    atoms_created       integer NOT NULL DEFAULT 0,
    links_created       integer NOT NULL DEFAULT 0,
    versions_created    integer NOT NULL DEFAULT 0,
    tokens_used         integer NOT NULL DEFAULT 0,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX extraction_runs_chat_status_idx ON extraction_runs (chat_id, status);
CREATE INDEX extraction_runs_agent_idx ON extraction_runs (agent_id, created_at DESC);
CREATE INDEX extraction_runs_created_idx ON extraction_runs (created_at DESC);

CREATE TABLE atoms (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type                text NOT NULL
                        CHECK (type IN ('problem', 'solution', 'decision', 'question', 'insight', 'idea',
                                        'blocker', 'risk', 'requirement')),
    title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    content             text NOT NULL DEFAULT '',
    confidence          real NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 1),
    source_message_keys text[] NOT NULL DEFAULT '{}',   -- provenance: messages.key values
    approved            boolean NOT NULL DEFAULT false,
    archived            boolean NOT NULL DEFAULT false,
    extraction_run_id   uuid,
    embedding           vector(384),
    embedding_model     text,
    search              tsvector GENERATED ALWAYS AS
                        (to_tsvector('simple', title || ' ' || content)) STORED,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (embedding IS NULL OR embedding_model IS NOT NULL)
);
CREATE INDEX atoms_type_idx ON atoms (type) WHERE NOT archived;
CREATE INDEX atoms_run_idx ON atoms (extraction_run_id);
CREATE INDEX atoms_source_message_keys_idx ON atoms USING gin (source_message_keys);
CREATE INDEX atoms_search_idx ON atoms USING gin (search);
CREATE INDEX atoms_embedding_hnsw_idx ON atoms
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

CREATE TABLE atom_topics (
    atom_id     uuid NOT NULL REFERENCES atoms (id) ON DELETE CASCADE,
    topic_id    uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    similarity  real CHECK (similarity BETWEEN -1 AND 1),   -- cosine similarity, not (1+cos)/2
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (atom_id, topic_id)
);
CREATE INDEX atom_topics_topic_idx ON atom_topics (topic_id);

CREATE TABLE atom_links (
    source_atom_id  uuid NOT NULL REFERENCES atoms (id) ON DELETE CASCADE,
    target_atom_id  uuid NOT NULL REFERENCES atoms (id) ON DELETE CASCADE,
    link_type       text NOT NULL
                    CHECK (link_type IN ('continues', 'solves', 'contradicts', 'supports', 'refines',
                                         'relates_to', 'depends_on')),
    strength        real NOT NULL DEFAULT 1 CHECK (strength BETWEEN 0 AND 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_atom_id, target_atom_id, link_type),
    CHECK (source_atom_id <> target_atom_id)
);
CREATE INDEX atom_links_target_idx ON atom_links (target_atom_id);

-- Versions: full snapshot, version = latest + 1; rejected is a real end state (the reference had none).
CREATE TABLE topic_versions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    topic_id     uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version > 0),
    snapshot     jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected')),
    created_by   text NOT NULL DEFAULT 'system',
    reviewed_by  text,
    reviewed_at  timestamptz,
    reason       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic_id, version)
);
CREATE INDEX topic_versions_proposed_idx ON topic_versions (created_at) WHERE state = 'proposed';

CREATE TABLE atom_versions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    atom_id      uuid NOT NULL REFERENCES atoms (id) ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version > 0),
    snapshot     jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected')),
    created_by   text NOT NULL DEFAULT 'system',
    reviewed_by  text,
    reviewed_at  timestamptz,
    reason       text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (atom_id, version)
);
CREATE INDEX atom_versions_proposed_idx ON atom_versions (created_at) WHERE state = 'proposed';
