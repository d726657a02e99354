-- Back to full text over the raw text ('simple', no lemmas), as 0003 and 0004 created it.
DROP INDEX messages_replies_idx;
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages DROP COLUMN lemmas;
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search);

ALTER TABLE atoms DROP COLUMN search;
ALTER TABLE atoms DROP COLUMN lemmas;
ALTER TABLE atoms ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || content)) STORED;
CREATE INDEX atoms_search_idx ON atoms USING gin (search);

ALTER TABLE topics DROP COLUMN search;
ALTER TABLE topics DROP COLUMN lemmas;
ALTER TABLE topics ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', name || ' ' || description)) STORED;
CREATE INDEX topics_search_idx ON topics USING gin (search);
