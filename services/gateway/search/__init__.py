"""Search over the read models: keyword (full text), semantic (HNSW cosine) and hybrid (RRF)."""
