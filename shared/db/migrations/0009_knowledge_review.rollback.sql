DROP INDEX IF EXISTS messages_extraction_run_idx;
DROP INDEX IF EXISTS atoms_type_created_idx;
DELETE FROM atom_links WHERE target_atom_id NOT IN (SELECT id FROM atoms);
ALTER TABLE atom_links ADD CONSTRAINT atom_links_target_atom_id_fkey
    FOREIGN KEY (target_atom_id) REFERENCES atoms (id) ON DELETE CASCADE;
UPDATE scheduled_extractions SET agent_id = NULL WHERE agent_id IS NOT NULL AND agent_id NOT IN (SELECT id FROM agents);
ALTER TABLE scheduled_extractions ADD CONSTRAINT scheduled_extractions_agent_id_fkey
    FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE SET NULL;
UPDATE extraction_runs SET agent_id = NULL WHERE agent_id IS NOT NULL AND agent_id NOT IN (SELECT id FROM agents);
DROP INDEX IF EXISTS extraction_runs_schedule_idx;
ALTER TABLE extraction_runs
    DROP COLUMN cancel_requested_by,
    DROP COLUMN completion_tokens,
    DROP COLUMN prompt_tokens,
    DROP COLUMN schedule_id,
    ADD CONSTRAINT extraction_runs_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE SET NULL;
DROP INDEX IF EXISTS topic_versions_state_idx;
DROP INDEX IF EXISTS atom_versions_state_idx;
ALTER TABLE topic_versions DROP COLUMN extraction_run_id, DROP COLUMN rule_id, DROP COLUMN auto;
ALTER TABLE atom_versions DROP COLUMN extraction_run_id, DROP COLUMN rule_id, DROP COLUMN auto;
DROP TABLE IF EXISTS auto_approval_rules;
