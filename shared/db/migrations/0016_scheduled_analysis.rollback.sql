-- Analysis schedules cannot be expressed without `kind`: they are removed with it (their runs stay).
DROP INDEX IF EXISTS analysis_runs_schedule_idx;
ALTER TABLE analysis_runs DROP COLUMN IF EXISTS schedule_id;
DELETE FROM scheduled_extractions WHERE kind = 'analysis';
ALTER TABLE scheduled_extractions DROP COLUMN IF EXISTS project_id, DROP COLUMN IF EXISTS kind;
