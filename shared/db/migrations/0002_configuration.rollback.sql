DROP TABLE IF EXISTS admin_wipe_tokens;
DROP TABLE IF EXISTS scheduled_extractions;
DROP TABLE IF EXISTS projects;
DROP TABLE IF EXISTS agents;
DROP TABLE IF EXISTS llm_providers;
