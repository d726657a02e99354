-- depends: 0008_messages_author_without_fk
-- Full-text search over lemmas (shared/text/lemmas.py): 'simple' has no morphology, so «помилку» never
-- matched «помилка». The projections write the lemmas of each text into `lemmas`; PostgreSQL still indexes
-- and ranks them (the 'simple' parser over lemmas, no contrib extension needed). Rows written before this
-- migration (or by a projection that does not fill `lemmas` yet) fall back to their raw text, as before;
-- `tracker replay --projection messages` lemmatises old messages.
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN lemmas text;
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(lemmas, text))) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search);

ALTER TABLE atoms DROP COLUMN search;
ALTER TABLE atoms ADD COLUMN lemmas text;
ALTER TABLE atoms ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(lemmas, title || ' ' || content))) STORED;
CREATE INDEX atoms_search_idx ON atoms USING gin (search);

ALTER TABLE topics DROP COLUMN search;
ALTER TABLE topics ADD COLUMN lemmas text;
ALTER TABLE topics ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(lemmas, name || ' ' || description))) STORED;
CREATE INDEX topics_search_idx ON topics USING gin (search);

-- Conversation threads (search and /similar follow reply links both ways): replies to a message are found
-- by this index; the reply target by the (source, chat_id, message_id) key. Partial: most messages reply
-- to nothing and should not pay for it on insert.
CREATE INDEX messages_replies_idx ON messages (chat_id, reply_to_message_id) WHERE reply_to_message_id IS NOT NULL;
