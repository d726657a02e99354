-- Knowledge review: auto-approval rules, how a version was reviewed (by a rule or a person), run details.
-- depends: 0008_messages_author_without_fk
--
-- Foreign keys dropped here name rows another projection (or a later event) owns: a run or schedule may
-- name an agent the agents projection has not written (or has deleted), and a link may name an atom the
-- stream delivers after it. With them, such an event would be refused and dead-lettered; queries join instead.

CREATE TABLE auto_approval_rules (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schedule_id     uuid REFERENCES scheduled_extractions (id) ON DELETE CASCADE,   -- NULL = global rule
    atom_types      text[] NOT NULL DEFAULT '{}'                                    -- empty = every type
                    CHECK (atom_types <@ ARRAY['problem', 'solution', 'decision', 'question', 'insight', 'idea',
                                                'blocker', 'risk', 'requirement']::text[]),
    min_confidence  real NOT NULL DEFAULT 0.8 CHECK (min_confidence BETWEEN 0 AND 1),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auto_approval_rules_schedule_idx ON auto_approval_rules (schedule_id) WHERE active;

-- Every auto-approval is recorded as such in the version history, with the rule that did it.
ALTER TABLE atom_versions
    ADD COLUMN auto boolean NOT NULL DEFAULT false,
    ADD COLUMN rule_id uuid,
    ADD COLUMN extraction_run_id uuid;
ALTER TABLE topic_versions
    ADD COLUMN auto boolean NOT NULL DEFAULT false,
    ADD COLUMN rule_id uuid,
    ADD COLUMN extraction_run_id uuid;
CREATE INDEX atom_versions_state_idx ON atom_versions (state, created_at DESC);
CREATE INDEX topic_versions_state_idx ON topic_versions (state, created_at DESC);

ALTER TABLE extraction_runs
    ADD COLUMN schedule_id uuid,
    ADD COLUMN prompt_tokens integer NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested_by text,
    DROP CONSTRAINT extraction_runs_agent_id_fkey;
CREATE INDEX extraction_runs_schedule_idx ON extraction_runs (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL;

ALTER TABLE scheduled_extractions DROP CONSTRAINT scheduled_extractions_agent_id_fkey;
ALTER TABLE atom_links DROP CONSTRAINT atom_links_target_atom_id_fkey;

-- Digest and list views: atoms of a type by age.
CREATE INDEX atoms_type_created_idx ON atoms (type, created_at DESC) WHERE NOT archived;
CREATE INDEX messages_extraction_run_idx ON messages (extraction_run_id) WHERE extraction_run_id IS NOT NULL;
