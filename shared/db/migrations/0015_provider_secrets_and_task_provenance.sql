-- Provider API keys kept apart from events; atom provenance on tasks and proposals; failed batches of a run.
-- depends: 0008_messages_author_without_fk

-- The one table the API writes directly (not a read model): an API key must never travel in an event, so the
-- ciphertext cannot reach the projector through the bus. The API encrypts the key with TT_SECRET_KEY and stores
-- it here before publishing providers.created/updated (which only say `has_api_key`); the projector copies the
-- ciphertext into llm_providers.api_key_encrypted, so a replay restores it from here too.
CREATE TABLE provider_secrets (
    provider_id        uuid PRIMARY KEY,
    api_key_encrypted  bytea NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tasks ADD COLUMN atom_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE task_proposals ADD COLUMN atom_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE analysis_runs ADD COLUMN batches_failed integer NOT NULL DEFAULT 0;
-- Source message keys of proposals are filtered by ("which proposals cite this message").
CREATE INDEX task_proposals_source_keys_idx ON task_proposals USING gin (source_message_keys);
