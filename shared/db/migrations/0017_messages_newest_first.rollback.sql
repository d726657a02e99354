DROP INDEX IF EXISTS messages_sent_id_idx;
