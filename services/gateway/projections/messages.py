"""Read models `messages`, `profiles`, `chats`, `message_edits`, `message_classification_history`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.gateway.projections.base import Projection
from services.gateway.projections.vector_columns import fits, update_sql
from shared.contracts import Envelope
from shared.contracts.messages import (
    ChatUpdated,
    MessageEmbedded,
    MessageIngested,
    MessageUpdated,
    ProfileUpdated,
    TermsEmbedded,
)
from shared.contracts.noise_filtering import ClassificationOverridden, MessageScored
from shared.text.lemmas import index_text
from shared.text.spelling import sound_key
from shared.text.vocabulary import is_latin

projection = Projection(
    "messages",
    reset_sql=(
        "TRUNCATE message_edits, message_classification_history, messages, profiles, chats, search_terms "
        "RESTART IDENTITY CASCADE",
    ),
)


async def _upsert_chats(conn: asyncpg.Connection, events: Sequence[tuple[MessageIngested, datetime]]) -> None:
    # Insert only chats not seen before, in order of first appearance: an INSERT … ON CONFLICT would
    # spend a sequence value per event, and ids must come out the same whatever the batch boundaries.
    latest: dict[tuple[str, str], list[object]] = {}
    for event, at in events:
        row = latest.setdefault((event.source, event.chat_id), [event.source, event.chat_id, None, None, at])
        row[2] = event.chat_title or row[2]
        row[3] = event.chat_type or row[3]
    existing = {
        (r["source"], r["chat_id"])
        for r in await conn.fetch(
            "SELECT source, chat_id FROM chats WHERE chat_id = ANY($1::text[])", [k[1] for k in latest]
        )
    }
    fresh = [row for key, row in latest.items() if key not in existing]
    if fresh:
        await conn.execute(
            """
            INSERT INTO chats (source, chat_id, title, type, created_at, updated_at)
            SELECT source, chat_id, title, type, at, at
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                 WITH ORDINALITY AS t(source, chat_id, title, type, at, n)
            ORDER BY n
            """,
            *zip(*fresh, strict=True),
        )
    known = [row for key, row in latest.items() if key in existing and (row[2] or row[3])]
    if known:
        await conn.execute(
            """
            UPDATE chats SET title = coalesce(t.title, chats.title), type = coalesce(t.type, chats.type)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(source, chat_id, title, type)
            WHERE chats.source = t.source AND chats.chat_id = t.chat_id
            """,
            *zip(*(row[:4] for row in known), strict=True),
        )


async def _upsert_profiles(
    conn: asyncpg.Connection, events: Sequence[tuple[MessageIngested, datetime]]
) -> dict[tuple[str, str], int]:
    """Authors folded in stream order (latest non-empty value wins); returns (source, user id) → profile id."""
    folded: dict[tuple[str, str], list[object]] = {}
    for event, at in events:
        a = event.author
        if a is None:
            continue
        row = folded.setdefault(
            (event.source, a.source_user_id), [event.source, a.source_user_id, "", None, None, a.is_bot, None, at, at]
        )
        row[2] = a.display_name or row[2]
        row[3] = a.username or row[3]
        row[4] = a.language or row[4]
        row[6] = a.avatar_path or row[6]
        row[8] = at
    if not folded:
        return {}
    ids = [k[1] for k in folded]
    existing = {
        (r["source"], r["source_user_id"])
        for r in await conn.fetch("SELECT source, source_user_id FROM profiles WHERE source_user_id = ANY($1)", ids)
    }
    fresh = [row for key, row in folded.items() if key not in existing]
    if fresh:
        await conn.execute(
            """
            INSERT INTO profiles (source, source_user_id, display_name, username, language, is_bot, avatar_path,
                                  created_at, updated_at)
            SELECT s, u, d, n, l, b, a, c, m
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[],
                        $8::timestamptz[], $9::timestamptz[]) WITH ORDINALITY AS t(s, u, d, n, l, b, a, c, m, o)
            ORDER BY o
            """,
            *zip(*fresh, strict=True),
        )
    known = [row for key, row in folded.items() if key in existing]
    if known:
        await conn.execute(
            """
            UPDATE profiles SET display_name = coalesce(nullif(t.d, ''), profiles.display_name),
                username = coalesce(t.n, profiles.username), language = coalesce(t.l, profiles.language),
                avatar_path = coalesce(t.a, profiles.avatar_path), updated_at = t.m
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
                 AS t(s, u, d, n, l, a, m)
            WHERE profiles.source = t.s AND profiles.source_user_id = t.u
            """,
            *zip(*([r[0], r[1], r[2], r[3], r[4], r[6], r[8]] for r in known), strict=True),
        )
    rows = await conn.fetch("SELECT id, source, source_user_id FROM profiles WHERE source_user_id = ANY($1)", ids)
    return {(r["source"], r["source_user_id"]): r["id"] for r in rows}


_INGESTED_COLUMNS = tuple(
    "key source channel chat_id message_id author_id text entities reply_to_message_id thread_id forwarded_from"
    " sent_at edited_at language attachments created_at updated_at lemmas".split()
)


@projection.on_batch("messages.ingested")
async def ingested(conn: asyncpg.Connection, items: Sequence[tuple[Envelope, int]]) -> None:
    events: list[tuple[MessageIngested, datetime]] = [(env.data, env.occurred_at) for env, _ in items]
    await _upsert_chats(conn, events)
    authors = await _upsert_profiles(conn, events)
    # Only this projection writes messages, under the checkpoint lock, so keys not stored yet (and not
    # earlier in this batch: the first sighting wins, as ON CONFLICT DO NOTHING would) can go in by COPY.
    keys = [e.key for e, _ in events]
    seen = {r["key"] for r in await conn.fetch("SELECT key FROM messages WHERE key = ANY($1::text[])", keys)}
    rows = []
    for e, at in events:
        if e.key in seen:
            continue
        seen.add(e.key)
        author = authors.get((e.source, e.author.source_user_id)) if e.author else None
        rows.append(
            (
                e.key,
                e.source,
                e.channel,
                e.chat_id,
                e.message_id,
                author,
                e.text,
                e.entities,
                e.reply_to_message_id,
                e.thread_id,
                e.forwarded_from,
                e.sent_at,
                e.edited_at,
                e.language,
                e.attachments,
                at,
                at,
                index_text(e.text),  # full-text search matches lemmas (migration 0010)
            )
        )
    if rows:
        await conn.copy_records_to_table("messages", records=rows, columns=_INGESTED_COLUMNS)


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
            UPDATE messages SET text = $2, entities = $3, edited_at = $4, language = $5, updated_at = $6,
                                lemmas = $7
            WHERE key = $1 AND (edited_at IS NULL OR edited_at <= $4)
            """,
            event.key,
            event.text,
            msgspec.to_builtins(event.entities),
            event.edited_at,
            event.language,
            envelope.occurred_at,
            index_text(event.text),
        )


@projection.on("noise_filtering.message_scored")
async def scored(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: MessageScored = envelope.data
    factors = msgspec.to_builtins(event.factors)
    if event.judge_factors is not None:
        factors["judge"] = msgspec.to_builtins(event.judge_factors)
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


@projection.on_batch("messages.embedded")
async def embedded(conn: asyncpg.Connection, items: Sequence[tuple[Envelope, int]]) -> None:
    # The embedder publishes a whole batch at once: one pipelined executemany instead of a round trip each,
    # in stream order, so the same rows come out as applying them one by one.
    rows = []
    for envelope, _ in items:
        event: MessageEmbedded = envelope.data
        if await fits(
            conn, "messages", item=event.key, model_id=event.model_id, dimensions=event.dimensions, vector=event.vector
        ):
            rows.append((event.key, event.vector, event.model_id))
    if rows:
        await conn.executemany(update_sql("messages", "key"), rows)


@projection.on("messages.terms_embedded")
async def terms_embedded(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    # The first vector of a word stays: an embedder that did not know a word was stored embeds it again.
    event: TermsEmbedded = envelope.data
    item = f"{len(event.terms)} terms"
    sample = event.terms[0].vector if event.terms else []
    if not await fits(
        conn, "search_terms", item=item, model_id=event.model_id, dimensions=event.dimensions, vector=sample
    ):
        return
    await conn.executemany(
        """
        INSERT INTO search_terms (term, embedding_model, latin, sound_key, embedding) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (embedding_model, term) DO NOTHING
        """,
        [(t.term, event.model_id, is_latin(t.term), sound_key(t.term), t.vector) for t in event.terms],
    )


@projection.on("messages.chat_updated")
async def chat_updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ChatUpdated = envelope.data
    # The monitored flag may be set before any message of the chat arrives (webhook allow-list).
    await conn.execute(
        """
        INSERT INTO chats (source, chat_id, title, type, monitored, created_at, updated_at)
        VALUES ($1, $2, $3, $4, coalesce($5, false), $6, $6)
        ON CONFLICT (source, chat_id) DO UPDATE SET
            title = coalesce(EXCLUDED.title, chats.title), type = coalesce(EXCLUDED.type, chats.type),
            monitored = coalesce($5, chats.monitored), updated_at = EXCLUDED.updated_at
        """,
        event.source,
        event.chat_id,
        event.title,
        event.type,
        event.monitored,
        envelope.occurred_at,
    )


@projection.on("messages.profile_updated")
async def profile_updated(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: ProfileUpdated = envelope.data
    await conn.execute(
        """
        INSERT INTO profiles (source, source_user_id, display_name, username, avatar_path, created_at, updated_at)
        VALUES ($1, $2, coalesce($3, ''), $4, $5, $6, $6)
        ON CONFLICT (source, source_user_id) DO UPDATE SET
            display_name = coalesce(nullif($3, ''), profiles.display_name),
            username = coalesce($4, profiles.username),
            avatar_path = coalesce($5, profiles.avatar_path),
            updated_at = EXCLUDED.updated_at
        """,
        event.source,
        event.source_user_id,
        event.display_name,
        event.username,
        event.avatar_path,
        envelope.occurred_at,
    )
