"""Read model `topics` (+ version 1 in `topic_versions`, and `messages.topic_id` from messages_consumed).

A topic created again under an existing id or name is a no-op: ids derive from the name, so two runs that
name one topic refer to one row.
"""

from __future__ import annotations

import re

import asyncpg
import msgspec

from services.gateway.projections.knowledge_graph import log, projection, uuid_or_none, version_row_id
from shared.contracts import Envelope
from shared.contracts.knowledge import EntityArchived, MessagesConsumed, TopicCreated, TopicSnapshot
from shared.text.lemmas import index_text

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@projection.on("knowledge.topic_created")
async def created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: TopicCreated = envelope.data
    topic_id = uuid_or_none(event.topic_id)
    name = " ".join(event.name.split())[:200]
    if topic_id is None or not name:
        log.warning("topic_created_refused", topic_id=event.topic_id, reason="no id or blank name")
        return
    color = event.color if event.color and _COLOR.match(event.color) else None
    at = envelope.occurred_at
    parent = uuid_or_none(event.parent_id)
    if parent is not None and await conn.fetchval("SELECT 1 FROM topics WHERE id = $1", parent) is None:
        parent = None
    inserted = await conn.fetchval(
        """
        INSERT INTO topics (id, name, description, keywords, icon, color, source_message_keys, extraction_run_id,
                            created_at, updated_at, parent_id, lemmas)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        topic_id,
        name,
        event.description,
        event.keywords,
        event.icon,
        color,
        event.message_keys,
        uuid_or_none(event.run_id),
        at,
        parent,
        index_text(f"{name} {event.description}"),  # full-text search matches lemmas (migration 0010)
    )
    if inserted is None:
        return
    snapshot = TopicSnapshot(
        name=name,
        description=event.description,
        keywords=event.keywords,
        icon=event.icon,
        color=color,
        parent_id=str(parent) if parent else None,
    )
    await conn.execute(
        """
        INSERT INTO topic_versions (id, topic_id, version, snapshot, state, created_by, reviewed_at, reason,
                                    extraction_run_id, created_at)
        VALUES ($1, $2, 1, $3, 'approved', $4, $5, 'created', $6, $5)
        """,
        version_row_id("topic", topic_id, 1),
        topic_id,
        msgspec.to_builtins(snapshot),
        event.created_by or envelope.producer,
        at,
        uuid_or_none(event.run_id),
    )


@projection.on("knowledge.topic_archived", "knowledge.topic_restored")
async def archived(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: EntityArchived = envelope.data
    topic_id = uuid_or_none(event.entity_id)
    if topic_id is None:
        return
    await conn.execute(
        "UPDATE topics SET active = $2, updated_at = $3 WHERE id = $1 AND active <> $2",
        topic_id,
        envelope.type == "knowledge.topic_restored",
        envelope.occurred_at,
    )


@projection.on("knowledge.messages_consumed")
async def consumed(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    """Assign messages to the topics the run put them in (only topics that exist; others keep their topic)."""
    event: MessagesConsumed = envelope.data
    pairs = [(key, uuid_or_none(topic)) for key, topic in event.topics.items()]
    pairs = [(key, topic) for key, topic in pairs if topic is not None]
    if not pairs:
        return
    await conn.execute(
        """
        UPDATE messages m SET topic_id = t.topic_id
        FROM unnest($1::text[], $2::uuid[]) AS t(key, topic_id)
        WHERE m.key = t.key AND m.topic_id IS DISTINCT FROM t.topic_id
          AND EXISTS (SELECT 1 FROM topics WHERE topics.id = t.topic_id)
        """,
        [k for k, _ in pairs],
        [t for _, t in pairs],
    )
