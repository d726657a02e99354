-- depends: 0006_lean_write_indexes
-- The projection runner keeps the stream sequence its committed batches reach in the checkpoint row
-- 'stream': redeliveries are recognised by it, and a restart resumes from it. A database that already
-- holds events starts from the newest one logged.
INSERT INTO projection_checkpoints (projection, last_seq)
SELECT 'stream', max(seq) FROM events HAVING max(seq) IS NOT NULL
ON CONFLICT (projection) DO NOTHING;
