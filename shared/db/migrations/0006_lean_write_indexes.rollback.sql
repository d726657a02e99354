-- depends: 0005_analysis_and_tasks
DROP INDEX messages_unscored_idx;
CREATE INDEX messages_classification_idx ON messages (classification);
CREATE INDEX events_correlation_idx ON events (correlation_id);
CREATE INDEX events_type_seq_idx ON events (type, seq);
