-- Scheduled analysis: a schedule has a kind. An analysis schedule starts an analysis run over the
-- depends: 0015_provider_secrets_and_task_provenance
-- `lookback_hours` before each due time (its window length), optionally for one project; the extraction-only
-- columns (chats, min_score, auto-approval) do not apply to it. Analysis runs remember the schedule that
-- started them. No foreign key to projects: projections are replayed one at a time (see 0009).
ALTER TABLE scheduled_extractions
    ADD COLUMN kind text NOT NULL DEFAULT 'extraction' CHECK (kind IN ('extraction', 'analysis')),
    ADD COLUMN project_id uuid;
ALTER TABLE analysis_runs ADD COLUMN schedule_id uuid;
CREATE INDEX analysis_runs_schedule_idx ON analysis_runs (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL;
