-- The message list's default page (newest first, no filter; the dashboard's feed) walked every row and sorted
-- them: with 10k messages a page cost ~10 ms of PostgreSQL CPU, and 50 readers saturated two cores
-- (bench/api_load.py). This index serves the page and every cursor page after it as an index range scan.
-- depends: 0008_messages_author_without_fk
CREATE INDEX IF NOT EXISTS messages_sent_id_idx ON messages (sent_at DESC, id DESC);
