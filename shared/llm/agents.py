"""Which agent does a job: the active agent of a role on an active, non-local provider (tables from 0002).

The seeded system agents point at the offline `local` provider, so out of the box nothing resolves and the
caller uses its offline path. A person's own agent wins over the system one; an explicit agent id wins over
both. The provider's API key is decrypted here (TT_SECRET_KEY) and lives only in the returned config, whose
repr never shows it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from shared.crypto import SecretBox, SecretError

OPENAI_URL = "https://api.openai.com/v1"
OLLAMA_URL = "http://127.0.0.1:11434/v1"
# System agents seeded by migration 0002: the defaults of analysis runs and classification experiments.
TASK_PROPOSER_AGENT_ID = "00000000-0000-4000-8000-000000000103"
TOPIC_CLASSIFIER_AGENT_ID = "00000000-0000-4000-8000-000000000104"


class AgentConfig(msgspec.Struct, frozen=True, kw_only=True):
    agent_id: str
    agent: str
    model: str
    temperature: float
    max_tokens: int
    custom_prompt: str | None
    provider: str
    base_url: str
    api_key: str | None

    def __repr__(self) -> str:  # the key never reaches a log line
        return f"AgentConfig(agent={self.agent!r}, provider={self.provider!r}, model={self.model!r})"


class AgentUnusable(ValueError):
    """The agent exists but cannot be called (no model, no base URL, an undecryptable key)."""


async def agent_for_role(pool: Any, role: str, secret_key: str, agent_id: str | None = None) -> AgentConfig | None:
    """The agent to call for `role` (or `agent_id`), or None when only the offline default is configured."""
    row = await pool.fetchrow(
        """
        SELECT a.id::text AS agent_id, a.name AS agent, a.model, a.temperature, a.max_tokens, a.custom_prompt,
               p.name AS provider, p.type AS provider_type, p.base_url, p.api_key_encrypted, p.models
        FROM agents a JOIN llm_providers p ON p.id = a.provider_id
        WHERE a.active AND p.active AND p.type <> 'local'
          AND (($2::text IS NOT NULL AND a.id::text = $2) OR ($2::text IS NULL AND a.role = $1))
        ORDER BY a.is_system, a.updated_at DESC
        LIMIT 1
        """,
        role,
        agent_id,
    )
    if row is None:
        return None
    model = row["model"] or (row["models"][0] if row["models"] else None)
    if not model:
        raise AgentUnusable(f"agent {row['agent']!r} has no model and its provider lists none")
    base_url = row["base_url"] or {"openai": OPENAI_URL, "ollama": OLLAMA_URL}.get(row["provider_type"])
    if not base_url:
        raise AgentUnusable(f"provider {row['provider']!r} has no base_url")
    api_key = None
    if row["api_key_encrypted"] is not None:
        try:
            api_key = SecretBox(secret_key).decrypt(row["api_key_encrypted"])
        except SecretError as exc:
            raise AgentUnusable(f"provider {row['provider']!r}: {exc}") from None
    return AgentConfig(
        agent_id=row["agent_id"],
        agent=row["agent"],
        model=model,
        temperature=float(row["temperature"]),
        max_tokens=int(row["max_tokens"]),
        custom_prompt=row["custom_prompt"],
        provider=row["provider"],
        base_url=base_url,
        api_key=api_key,
    )
