"""Read models `llm_providers`, `agents`, `projects`: the configuration the stages read.

The system provider and agents are seeded by migration 0002; a replay puts them back to their seed values
before re-applying the events that edited them (they cannot be deleted). Replay this projection together
with `tasks`: deleting projects sets the tasks' project to NULL until the tasks events are re-applied.
"""

from __future__ import annotations

import asyncpg

from services.gateway.projections.base import Projection
from shared.contracts import Envelope
from shared.contracts.admin import (
    AgentChanged,
    AgentDeleted,
    ProjectChanged,
    ProjectDeleted,
    ProviderChanged,
    ProviderDeleted,
    ProviderValidated,
    ProviderValidationStarted,
)

LOCAL_PROVIDER_ID = "00000000-0000-4000-8000-000000000001"

projection = Projection(
    "configuration",
    reset_sql=(
        "DELETE FROM projects",
        "DELETE FROM agents WHERE NOT is_system",
        f"""UPDATE agents SET provider_id = '{LOCAL_PROVIDER_ID}', model = NULL, temperature = 0.2,
            max_tokens = 2048, custom_prompt = NULL, active = true WHERE is_system""",
        f"DELETE FROM llm_providers WHERE id <> '{LOCAL_PROVIDER_ID}'",
        f"""UPDATE llm_providers SET name = 'local', base_url = NULL, api_key_encrypted = NULL, active = true,
            validation_status = 'connected', validation_error = NULL, models = '{{}}'
            WHERE id = '{LOCAL_PROVIDER_ID}'""",
    ),
)


@projection.on("providers.created", "providers.updated")
async def provider_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProviderChanged = envelope.data
    # The ciphertext comes from provider_secrets (written by the API), never from the event.
    await conn.execute(
        """
        INSERT INTO llm_providers (id, name, type, base_url, active, api_key_encrypted, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5,
                CASE WHEN $6 THEN (SELECT api_key_encrypted FROM provider_secrets WHERE provider_id = $1) END,
                $7, $7)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, base_url = EXCLUDED.base_url,
            active = EXCLUDED.active, api_key_encrypted = EXCLUDED.api_key_encrypted,
            updated_at = EXCLUDED.updated_at,
            -- a changed address or key has not been validated yet
            validation_status = CASE WHEN llm_providers.base_url IS DISTINCT FROM EXCLUDED.base_url
                                       OR llm_providers.api_key_encrypted IS DISTINCT FROM EXCLUDED.api_key_encrypted
                                     THEN 'pending' ELSE llm_providers.validation_status END
        """,
        event.provider_id,
        event.name,
        event.type,
        event.base_url,
        event.active,
        event.has_api_key,
        envelope.occurred_at,
    )


@projection.on("providers.deleted")
async def provider_deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProviderDeleted = envelope.data
    await conn.execute("DELETE FROM llm_providers WHERE id = $1 AND id <> $2", event.provider_id, LOCAL_PROVIDER_ID)


@projection.on("providers.validation_started")
async def validation_started(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProviderValidationStarted = envelope.data
    await conn.execute(
        "UPDATE llm_providers SET validation_status = 'validating', validation_error = NULL, updated_at = $2"
        " WHERE id = $1",
        event.provider_id,
        envelope.occurred_at,
    )


@projection.on("providers.validated")
async def validated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProviderValidated = envelope.data
    await conn.execute(
        """
        UPDATE llm_providers SET validation_status = $2, validation_error = $3, models = $4, validated_at = $5,
            updated_at = $5
        WHERE id = $1
        """,
        event.provider_id,
        event.status,
        event.error,
        event.models,
        envelope.occurred_at,
    )


@projection.on("agents.created", "agents.updated")
async def agent_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AgentChanged = envelope.data
    await conn.execute(
        """
        INSERT INTO agents (id, name, role, provider_id, model, temperature, max_tokens, custom_prompt, active,
                            created_at, updated_at)
        VALUES ($1, $2, $3, (SELECT id FROM llm_providers WHERE id = $4), $5, $6, $7, $8, $9, $10, $10)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role,
            provider_id = EXCLUDED.provider_id, model = EXCLUDED.model, temperature = EXCLUDED.temperature,
            max_tokens = EXCLUDED.max_tokens, custom_prompt = EXCLUDED.custom_prompt, active = EXCLUDED.active,
            updated_at = EXCLUDED.updated_at
        """,
        event.agent_id,
        event.name,
        event.role,
        event.provider_id,
        event.model,
        event.temperature,
        event.max_tokens,
        event.custom_prompt,
        event.active,
        envelope.occurred_at,
    )


@projection.on("agents.deleted")
async def agent_deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AgentDeleted = envelope.data
    await conn.execute("DELETE FROM agents WHERE id = $1 AND NOT is_system", event.agent_id)


@projection.on("projects.created", "projects.updated")
async def project_changed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProjectChanged = envelope.data
    await conn.execute(
        """
        INSERT INTO projects (id, name, description, keywords, glossary, components, priority_rules, language,
                              active, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
            keywords = EXCLUDED.keywords, glossary = EXCLUDED.glossary, components = EXCLUDED.components,
            priority_rules = EXCLUDED.priority_rules, language = EXCLUDED.language, active = EXCLUDED.active,
            updated_at = EXCLUDED.updated_at
        """,
        event.project_id,
        event.name,
        event.description,
        event.keywords,
        event.glossary,
        event.components,
        event.priority_rules,
        event.language,
        event.active,
        envelope.occurred_at,
    )


@projection.on("projects.deleted")
async def project_deleted(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProjectDeleted = envelope.data
    await conn.execute("DELETE FROM projects WHERE id = $1", event.project_id)
