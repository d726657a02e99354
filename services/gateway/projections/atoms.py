"""Read models `atoms`, `atom_topics`, `atom_links` (+ version 1 of each atom in `atom_versions`).

Atoms are created once per id (ids are deterministic, so a re-run names the same atom); links and topic
memberships are added idempotently. A link may name an atom the stream has not delivered yet: it is kept,
and views join on the atoms that exist. A topic that does not exist is skipped (the FK would refuse it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.gateway.projections.knowledge_graph import log, projection, uuid_or_none, version_row_id
from shared.contracts import Envelope
from shared.contracts.knowledge import AtomCreated, AtomLink, AtomLinked, AtomSnapshot, AtomTopic, EntityArchived


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


async def add_topics(conn: asyncpg.Connection, atom_id: uuid.UUID, topics: Sequence[AtomTopic], at: datetime) -> None:
    rows = [(t, s) for t, s in ((uuid_or_none(t.topic_id), t.similarity) for t in topics) if t is not None]
    if not rows:
        return
    await conn.execute(
        """
        INSERT INTO atom_topics (atom_id, topic_id, similarity, created_at)
        SELECT $1, t.topic_id, t.similarity, $4
        FROM unnest($2::uuid[], $3::real[]) AS t(topic_id, similarity)
        WHERE EXISTS (SELECT 1 FROM topics WHERE topics.id = t.topic_id)
        ON CONFLICT (atom_id, topic_id) DO UPDATE SET similarity = coalesce(EXCLUDED.similarity, atom_topics.similarity)
        """,
        atom_id,
        [t for t, _ in rows],
        [None if s is None else _clamp(s, -1.0, 1.0) for _, s in rows],
        at,
    )


async def add_links(conn: asyncpg.Connection, atom_id: uuid.UUID, links: Sequence[AtomLink], at: datetime) -> None:
    rows = [
        (target, link.link_type, _clamp(link.strength, 0.0, 1.0))
        for link in links
        if (target := uuid_or_none(link.target_atom_id)) is not None and target != atom_id
    ]
    if not rows:
        return
    await conn.execute(
        """
        INSERT INTO atom_links (source_atom_id, target_atom_id, link_type, strength, created_at)
        SELECT $1, t.target, t.link_type, t.strength, $5
        FROM unnest($2::uuid[], $3::text[], $4::real[]) AS t(target, link_type, strength)
        ON CONFLICT (source_atom_id, target_atom_id, link_type) DO UPDATE SET strength = EXCLUDED.strength
        """,
        atom_id,
        *zip(*rows, strict=True),
        at,
    )


@projection.on("knowledge.atom_created")
async def created(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AtomCreated = envelope.data
    atom_id = uuid_or_none(event.atom_id)
    title = " ".join(event.title.split())[:200]
    if atom_id is None or not title:
        log.warning("atom_created_refused", atom_id=event.atom_id, reason="no id or blank title")
        return
    at = envelope.occurred_at
    confidence = _clamp(event.confidence, 0.0, 1.0)
    run_id = uuid_or_none(event.run_id)
    inserted = await conn.fetchval(
        """
        INSERT INTO atoms (id, type, title, content, confidence, source_message_keys, approved, extraction_run_id,
                           created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """,
        atom_id,
        event.type,
        title,
        event.content,
        confidence,
        event.message_keys,
        event.approved,
        run_id,
        at,
    )
    if inserted is None:
        return
    await add_topics(conn, atom_id, event.topics, at)
    await add_links(conn, atom_id, event.links, at)
    snapshot = AtomSnapshot(
        type=event.type, title=title, content=event.content, confidence=confidence,
        source_message_keys=event.message_keys,
    )  # fmt: skip
    await conn.execute(
        """
        INSERT INTO atom_versions (id, atom_id, version, snapshot, state, created_by, reviewed_by, reviewed_at,
                                   extraction_run_id, created_at)
        VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9)
        """,
        version_row_id("atom", atom_id, 1),
        atom_id,
        msgspec.to_builtins(snapshot),
        "approved" if event.approved else "proposed",
        event.created_by or envelope.producer,
        (event.created_by or envelope.producer) if event.approved else None,
        at if event.approved else None,
        run_id,
        at,
    )


@projection.on("knowledge.atom_linked")
async def linked(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AtomLinked = envelope.data
    atom_id = uuid_or_none(event.atom_id)
    if atom_id is None or await conn.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id) is None:
        return
    await add_topics(conn, atom_id, event.topics, envelope.occurred_at)
    await add_links(conn, atom_id, event.links, envelope.occurred_at)


@projection.on("knowledge.atom_archived", "knowledge.atom_restored")
async def archived(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: EntityArchived = envelope.data
    atom_id = uuid_or_none(event.entity_id)
    if atom_id is None:
        return
    await conn.execute(
        "UPDATE atoms SET archived = $2, updated_at = $3 WHERE id = $1 AND archived <> $2",
        atom_id,
        envelope.type == "knowledge.atom_archived",
        envelope.occurred_at,
    )
