"""Provider API keys at rest: encrypted with TT_SECRET_KEY into `provider_secrets`, the API's one direct write.

Keys cannot travel in events (they are relayed and logged in the events table), so the API writes the
ciphertext itself before publishing the provider event, which only says `has_api_key`; the projector copies
the ciphertext into `llm_providers.api_key_encrypted`, where the stages read it.
"""

from __future__ import annotations

import asyncpg

from shared.crypto import SecretBox


async def store(pool: asyncpg.Pool, box: SecretBox, provider_id: str, api_key: str) -> None:
    await pool.execute(
        """
        INSERT INTO provider_secrets (provider_id, api_key_encrypted) VALUES ($1, $2)
        ON CONFLICT (provider_id) DO UPDATE SET api_key_encrypted = EXCLUDED.api_key_encrypted, updated_at = now()
        """,
        provider_id,
        box.encrypt(api_key),
    )


async def load(pool: asyncpg.Pool, box: SecretBox, provider_id: str) -> str | None:
    token = await pool.fetchval("SELECT api_key_encrypted FROM provider_secrets WHERE provider_id = $1", provider_id)
    return None if token is None else box.decrypt(token)


async def delete(pool: asyncpg.Pool, provider_id: str) -> None:
    await pool.execute("DELETE FROM provider_secrets WHERE provider_id = $1", provider_id)
