-- depends: 0007_stream_position
-- The messages projection writes an author's profile before the author's messages, in the same
-- transaction, and is the only writer of both; the per-row foreign-key check on author_id cost about a
-- quarter of the database's time per imported message (bench/ingest.py). Read models replay together.
ALTER TABLE messages DROP CONSTRAINT messages_author_id_fkey;
