"""Read-model store: yoyo migrations for the PostgreSQL + pgvector schema and the asyncpg pool."""
