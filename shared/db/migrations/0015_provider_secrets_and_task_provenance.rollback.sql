DROP INDEX IF EXISTS task_proposals_source_keys_idx;
ALTER TABLE analysis_runs DROP COLUMN IF EXISTS batches_failed;
ALTER TABLE task_proposals DROP COLUMN IF EXISTS atom_ids;
ALTER TABLE tasks DROP COLUMN IF EXISTS atom_ids;
DROP TABLE IF EXISTS provider_secrets;
