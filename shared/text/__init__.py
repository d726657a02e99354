"""Text processing shared by the stages and the gateway (lemmas for full-text search)."""
