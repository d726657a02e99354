-- The chat's own vocabulary with a vector per word, so a query word can be matched to the words of the other
-- script that mean the same («сертифікат» → certificate, invalidation → «інвалідація»): multilingual-e5
-- misses many such pairs between whole messages, and lemmas never cross scripts
-- (services/gateway/search/translations.py). `sound_key` (shared/text/spelling.py) finds loanwords by their
-- spelling when the vectors miss them («індекс» and "index" are both `indeks`). The embedder embeds each new
-- word of the messages it embeds and publishes it (terms_embedded); the projector stores it here.
-- depends: 0017_messages_newest_first
CREATE TABLE search_terms (
    term            text NOT NULL,
    embedding_model text NOT NULL,
    latin           boolean NOT NULL,  -- the word's script: Latin, or Cyrillic (Ukrainian and Russian)
    sound_key       text NOT NULL,
    embedding       vector(384) NOT NULL,
    PRIMARY KEY (embedding_model, term)
);
CREATE INDEX search_terms_embedding_idx ON search_terms
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX search_terms_sound_idx ON search_terms (embedding_model, left(sound_key, 5));
