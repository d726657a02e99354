DROP TABLE IF EXISTS ingestion_jobs;
DROP TABLE IF EXISTS message_classification_history;
DROP TABLE IF EXISTS message_edits;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS chats;
DROP TABLE IF EXISTS profiles;
