DROP TABLE IF EXISTS search_terms;
