-- depends: 0005_analysis_and_tasks
-- Every message and every event pays for each index on insert (bench/ingest.py, bench/bus.py). These three
-- served no query: replay walks the log by seq (the primary key), nothing looks events up by correlation id
-- yet, and the only classification look-up is "not scored yet", which a small partial index serves better.
DROP INDEX events_type_seq_idx;
DROP INDEX events_correlation_idx;
DROP INDEX messages_classification_idx;
CREATE INDEX messages_unscored_idx ON messages (id) WHERE classification IS NULL;
