-- The vector extension stays: it may serve other schemas and re-creating it needs a superuser.
DROP TABLE IF EXISTS projection_checkpoints;
DROP TABLE IF EXISTS events;
