"""LLM access shared by the stages: agent/provider resolution by role and schema-constrained calls."""
