-- Indexes for the scorer's chat context: repeats of the same text in a chat, and the chat's reviewer overrides.
-- depends: 0008_messages_author_without_fk
--
-- Repeats compare md5(text) so the index stays small whatever the message length; the scorer counts earlier
-- messages of the chat with the same text inside a time window.  Overrides are few, so a partial index keeps
-- "the latest overrides of these chats" cheap without costing writes of ordinary messages.

CREATE INDEX messages_chat_text_md5_idx ON messages (chat_id, md5(text));
CREATE INDEX messages_chat_override_idx ON messages (chat_id, override_at DESC)
    WHERE classification_override IS NOT NULL;
