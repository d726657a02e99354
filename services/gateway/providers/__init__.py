"""LLM provider configuration: asking a provider for its model list, and keeping its API key sealed."""
