"""Read models `topic_versions` / `atom_versions`: proposals, and what approving one does to its entity.

Versions are numbered in stream order (latest + 1), whatever number the producer expected. Approving or
rejecting applies only to a proposed version (anything else is a no-op here; the API answers 409 first).
Approving writes the snapshot's fields onto the entity (and marks an atom approved).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from services.gateway.projections.knowledge_graph import log, projection, uuid_or_none, version_row_id
from shared.contracts import Envelope
from shared.contracts.knowledge import AtomSnapshot, TopicSnapshot, VersionCreated, VersionReviewed
from shared.text.lemmas import index_text


@dataclass(frozen=True)
class EntityTables:
    entity: str
    table: str
    versions: str
    key: str
    snapshot: type[TopicSnapshot] | type[AtomSnapshot]


TABLES = {
    "topic": EntityTables("topic", "topics", "topic_versions", "topic_id", TopicSnapshot),
    "atom": EntityTables("atom", "atoms", "atom_versions", "atom_id", AtomSnapshot),
}


def normalised_snapshot(entity: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as stored: validated against its entity's fields (raises msgspec.ValidationError)."""
    return msgspec.to_builtins(msgspec.convert(snapshot, TABLES[entity].snapshot))  # type: ignore[no-any-return]


@projection.on("knowledge.version_created")
async def created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: VersionCreated = envelope.data
    t = TABLES[event.entity]
    entity_id = uuid_or_none(event.entity_id)
    if entity_id is None or await conn.fetchval(f"SELECT 1 FROM {t.table} WHERE id = $1", entity_id) is None:
        log.warning("version_for_unknown_entity", entity=event.entity, entity_id=event.entity_id)
        return
    try:
        snapshot = normalised_snapshot(event.entity, event.snapshot)
    except msgspec.ValidationError as exc:
        log.warning("version_snapshot_refused", entity=event.entity, entity_id=event.entity_id, error=str(exc))
        return
    latest = await conn.fetchrow(
        f"SELECT version, snapshot FROM {t.versions} WHERE {t.key} = $1 ORDER BY version DESC LIMIT 1", entity_id
    )
    if latest is not None and latest["snapshot"] == snapshot:
        return  # nothing new to review (e.g. the same proposal published twice)
    version = (latest["version"] if latest else 0) + 1
    at = envelope.occurred_at
    await conn.execute(
        f"""
        INSERT INTO {t.versions} (id, {t.key}, version, snapshot, state, created_by, reason, extraction_run_id,
                                  created_at)
        VALUES ($1, $2, $3, $4, 'proposed', $5, $6, $7, $8)
        ON CONFLICT DO NOTHING
        """,
        version_row_id(t.entity, entity_id, version),
        entity_id,
        version,
        snapshot,
        event.created_by,
        event.reason,
        uuid_or_none(event.run_id),
        at,
    )
    if event.state == "approved":
        await _approve(conn, t, entity_id, version, event.created_by, None, False, None, at)
    elif event.state == "rejected":
        await _reject(conn, t, entity_id, version, event.created_by, event.reason, at)


@projection.on("knowledge.version_approved")
async def approved(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: VersionReviewed = envelope.data
    entity_id = uuid_or_none(event.entity_id)
    if entity_id is not None:
        t = TABLES[event.entity]
        at = envelope.occurred_at
        await _approve(conn, t, entity_id, event.version, event.reviewed_by, event.reason, event.auto,
                       uuid_or_none(event.rule_id), at)  # fmt: skip


@projection.on("knowledge.version_rejected")
async def rejected(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: VersionReviewed = envelope.data
    entity_id = uuid_or_none(event.entity_id)
    if entity_id is not None:
        t = TABLES[event.entity]
        await _reject(conn, t, entity_id, event.version, event.reviewed_by, event.reason, envelope.occurred_at)


async def _reject(
    conn: asyncpg.Connection,
    t: EntityTables,
    entity_id: uuid.UUID,
    version: int,
    by: str,
    reason: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        f"""
        UPDATE {t.versions} SET state = 'rejected', reviewed_by = $3, reviewed_at = $4, reason = $5
        WHERE {t.key} = $1 AND version = $2 AND state = 'proposed'
        """,
        entity_id,
        version,
        by,
        at,
        reason,
    )


async def _approve(
    conn: asyncpg.Connection,
    t: EntityTables,
    entity_id: uuid.UUID,
    version: int,
    by: str,
    reason: str | None,
    auto: bool,
    rule_id: uuid.UUID | None,
    at: datetime,
) -> None:
    snapshot = await conn.fetchval(
        f"""
        UPDATE {t.versions} SET state = 'approved', reviewed_by = $3, reviewed_at = $4, reason = $5, auto = $6,
            rule_id = $7
        WHERE {t.key} = $1 AND version = $2 AND state = 'proposed'
        RETURNING snapshot
        """,
        entity_id,
        version,
        by,
        at,
        reason,
        auto,
        rule_id,
    )
    if snapshot is None:
        return  # unknown or already reviewed: approving is not repeated
    if t.entity == "atom":
        await _apply_atom(conn, entity_id, msgspec.convert(snapshot, AtomSnapshot), at)
    else:
        await _apply_topic(conn, entity_id, msgspec.convert(snapshot, TopicSnapshot), at)


async def _apply_atom(conn: asyncpg.Connection, atom_id: uuid.UUID, s: AtomSnapshot, at: datetime) -> None:
    await conn.execute(
        """
        UPDATE atoms SET type = $2, title = $3, content = $4, confidence = $5,
            source_message_keys = coalesce($6, source_message_keys), approved = true, updated_at = $7, lemmas = $8
        WHERE id = $1
        """,
        atom_id,
        s.type,
        s.title,
        s.content,
        s.confidence,
        s.source_message_keys,
        at,
        index_text(f"{s.title} {s.content}"),
    )


async def _apply_topic(conn: asyncpg.Connection, topic_id: uuid.UUID, s: TopicSnapshot, at: datetime) -> None:
    # A name another topic holds, or a parent that would make a cycle, is left as it was (the API refuses
    # both before publishing; a race between two reviewers must still not fail the projection).
    name_taken = await conn.fetchval(
        "SELECT 1 FROM topics WHERE lower(name) = lower($1) AND id <> $2", " ".join(s.name.split()), topic_id
    )
    parent = uuid_or_none(s.parent_id)
    if parent is not None and await creates_cycle(conn, topic_id, parent):
        log.warning("topic_parent_refused", topic_id=str(topic_id), parent_id=str(parent))
        parent = None
    name = " ".join(s.name.split())
    if name_taken is not None:
        name = await conn.fetchval("SELECT name FROM topics WHERE id = $1", topic_id) or name
    await conn.execute(
        """
        UPDATE topics SET name = CASE WHEN $2 THEN name ELSE $3 END, description = $4, keywords = $5, icon = $6,
            color = $7, parent_id = $8, updated_at = $9, lemmas = $10
        WHERE id = $1
        """,
        topic_id,
        name_taken is not None,
        name,
        s.description,
        s.keywords,
        s.icon,
        s.color,
        parent,
        at,
        index_text(f"{name} {s.description}"),  # the name kept when the new one is taken
    )


async def creates_cycle(conn: asyncpg.Connection | asyncpg.Pool, topic_id: uuid.UUID, parent: uuid.UUID) -> bool:
    """True when `parent` is the topic itself, one of its descendants, or no topic at all."""
    row = await conn.fetchrow(
        """
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM topics WHERE id = $2
            UNION ALL
            SELECT t.id, t.parent_id, up.depth + 1 FROM topics t JOIN up ON t.id = up.parent_id WHERE up.depth < 100
        )
        SELECT count(*) FILTER (WHERE id = $1) AS cycle, count(*) AS known FROM up
        """,
        topic_id,
        parent,
    )
    return row is None or row["known"] == 0 or row["cycle"] > 0
