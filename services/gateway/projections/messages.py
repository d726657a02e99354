"""Read models `messages`, `profiles`, `chats`, `message_edits`, `message_classification_history`."""

from __future__ import annotations

import asyncpg
import msgspec

from services.gateway.projections.base import Projection
from shared.contracts import Envelope
from shared.contracts.messages import MessageEmbedded, MessageIngested, MessageUpdated
from shared.contracts.noise_filtering import ClassificationOverridden, MessageScored

projection = Projection(
    "messages",
    reset_sql=(
        "TRUNCATE message_edits, message_classification_history, messages, profiles, chats RESTART IDENTITY CASCADE",
    ),
)


async def _upsert_profile(conn: asyncpg.Connection, event: MessageIngested, at: object) -> int | None:
    author = event.author
    if author is None:
        return None
    return await conn.fetchval(  # type: ignore[no-any-return]
        """
        INSERT INTO profiles (source, source_user_id, display_name, username, language, is_bot, avatar_path,
                              created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
        ON CONFLICT (source, source_user_id) DO UPDATE SET
            display_name = coalesce(nullif(EXCLUDED.display_name, ''), profiles.display_name),
            username = coalesce(EXCLUDED.username, profiles.username),
            language = coalesce(EXCLUDED.language, profiles.language),
            avatar_path = coalesce(EXCLUDED.avatar_path, profiles.avatar_path),
            updated_at = EXCLUDED.updated_at
        RETURNING id
        """,
        event.source,
        author.source_user_id,
        author.display_name,
        author.username,
        author.language,
        author.is_bot,
        author.avatar_path,
        at,
    )


@projection.on("messages.ingested")
async def ingested(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessageIngested = envelope.data
    at = envelope.occurred_at
    await conn.execute(
        """
        INSERT INTO chats (source, chat_id, title, type, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $5)
        ON CONFLICT (source, chat_id) DO UPDATE SET
            title = coalesce(EXCLUDED.title, chats.title), type = coalesce(EXCLUDED.type, chats.type)
        """,
        event.source,
        event.chat_id,
        event.chat_title,
        event.chat_type,
        at,
    )
    author_id = await _upsert_profile(conn, event, at)
    await conn.execute(
        """
        INSERT INTO messages (key, source, channel, chat_id, message_id, author_id, text, entities,
                              reply_to_message_id, thread_id, forwarded_from, sent_at, edited_at, language,
                              attachments, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
        ON CONFLICT (key) DO NOTHING
        """,
        event.key,
        event.source,
        event.channel,
        event.chat_id,
        event.message_id,
        author_id,
        event.text,
        msgspec.to_builtins(event.entities),
        event.reply_to_message_id,
        event.thread_id,
        event.forwarded_from,
        event.sent_at,
        event.edited_at,
        event.language,
        msgspec.to_builtins(event.attachments),
        at,
    )


@projection.on("messages.updated")
async def updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessageUpdated = envelope.data
    previous = await conn.fetchval("SELECT text FROM messages WHERE key = $1 FOR UPDATE", event.key)
    if previous is None:
        return  # an edit of a message we never ingested (e.g. from an unmonitored period)
    inserted = await conn.fetchval(
        """
        INSERT INTO message_edits (message_key, previous_text, text, entities, edited_at, channel, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (message_key, edited_at) DO NOTHING
        RETURNING id
        """,
        event.key,
        previous,
        event.text,
        msgspec.to_builtins(event.entities),
        event.edited_at,
        event.channel,
        envelope.occurred_at,
    )
    if inserted is not None:
        await conn.execute(
            """
            UPDATE messages SET text = $2, entities = $3, edited_at = $4, language = $5, updated_at = $6
            WHERE key = $1 AND (edited_at IS NULL OR edited_at <= $4)
            """,
            event.key,
            event.text,
            msgspec.to_builtins(event.entities),
            event.edited_at,
            event.language,
            envelope.occurred_at,
        )


@projection.on("noise_filtering.message_scored")
async def scored(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessageScored = envelope.data
    factors = msgspec.to_builtins(event.factors)
    updated_rows = await conn.execute(
        """
        UPDATE messages SET importance_score = $2, classification = $3, score_factors = $4, scorer = $5,
                            scored_at = $6, updated_at = $6
        WHERE key = $1
        """,
        event.key,
        event.score,
        event.classification,
        factors,
        event.scorer,
        envelope.occurred_at,
    )
    if updated_rows == "UPDATE 0":
        return
    await conn.execute(
        """
        INSERT INTO message_classification_history (message_key, kind, importance_score, classification,
            score_factors, scorer, model, reasoning, changed_at, event_id, created_at)
        VALUES ($1, 'score', $2, $3, $4, $5, $6, $7, $8, $9, $8)
        ON CONFLICT (event_id) DO NOTHING
        """,
        event.key,
        event.score,
        event.classification,
        factors,
        event.scorer,
        event.model,
        event.reasoning,
        envelope.occurred_at,
        envelope.id,
    )


@projection.on("noise_filtering.classification_overridden")
async def overridden(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ClassificationOverridden = envelope.data
    result = await conn.execute(
        """
        UPDATE messages SET classification_override = $2, override_by = $3, override_at = $4,
                            override_reason = $5, updated_at = $4
        WHERE key = $1
        """,
        event.key,
        event.classification,
        event.overridden_by,
        event.overridden_at,
        event.reason,
    )
    if result == "UPDATE 0":
        return
    await conn.execute(
        """
        INSERT INTO message_classification_history (message_key, kind, classification, changed_by, reason,
                                                    changed_at, event_id, created_at)
        VALUES ($1, 'override', $2, $3, $4, $5, $6, $5)
        ON CONFLICT (event_id) DO NOTHING
        """,
        event.key,
        event.classification,
        event.overridden_by,
        event.reason,
        event.overridden_at,
        envelope.id,
    )


@projection.on("messages.embedded")
async def embedded(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessageEmbedded = envelope.data
    await conn.execute(
        "UPDATE messages SET embedding = $2, embedding_model = $3 WHERE key = $1",
        event.key,
        event.vector,
        event.model_id,
    )
