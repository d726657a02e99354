DROP TABLE IF EXISTS classification_experiments;
ALTER TABLE IF EXISTS tasks DROP CONSTRAINT IF EXISTS tasks_proposal_id_fkey;
DROP TABLE IF EXISTS task_proposals;
DROP TABLE IF EXISTS tasks;
DROP TABLE IF EXISTS analysis_runs;
