-- Rollback of 0011_scorer_context_indexes.
DROP INDEX IF EXISTS messages_chat_override_idx;
DROP INDEX IF EXISTS messages_chat_text_md5_idx;
