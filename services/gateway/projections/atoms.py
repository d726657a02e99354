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
from shared.text.lemmas import index_text


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


TopicRow = tuple[uuid.UUID, uuid.UUID, float | None, datetime]
LinkRow = tuple[uuid.UUID, uuid.UUID, str, float, datetime]


def topic_rows(atom_id: uuid.UUID, topics: Sequence[AtomTopic], at: datetime) -> list[TopicRow]:
    """(atom, topic, similarity, at) once per topic: a later mention's similarity wins unless it is absent."""
    found: dict[uuid.UUID, float | None] = {}
    for t in topics:
        topic_id = uuid_or_none(t.topic_id)
        if topic_id is not None:
            similarity = None if t.similarity is None else _clamp(t.similarity, -1.0, 1.0)
            found[topic_id] = similarity if similarity is not None else found.get(topic_id)
    return [(atom_id, topic_id, similarity, at) for topic_id, similarity in found.items()]


def link_rows(atom_id: uuid.UUID, links: Sequence[AtomLink], at: datetime) -> list[LinkRow]:
    """(source, target, type, strength, at) once per target and type (the later strength wins); never to itself."""
    found: dict[tuple[uuid.UUID, str], float] = {}
    for link in links:
        target = uuid_or_none(link.target_atom_id)
        if target is not None and target != atom_id:
            found[(target, link.link_type)] = _clamp(link.strength, 0.0, 1.0)
    return [(atom_id, target, kind, strength, at) for (target, kind), strength in found.items()]


async def add_topics(conn: asyncpg.Connection, rows: Sequence[TopicRow]) -> None:
    if not rows:
        return
    await conn.execute(
        """
        INSERT INTO atom_topics (atom_id, topic_id, similarity, created_at)
        SELECT t.atom_id, t.topic_id, t.similarity, t.at
        FROM unnest($1::uuid[], $2::uuid[], $3::real[], $4::timestamptz[]) WITH ORDINALITY
             AS t(atom_id, topic_id, similarity, at, n)
        WHERE EXISTS (SELECT 1 FROM topics WHERE topics.id = t.topic_id)
        ORDER BY n
        ON CONFLICT (atom_id, topic_id) DO UPDATE SET similarity = coalesce(EXCLUDED.similarity, atom_topics.similarity)
        """,
        *zip(*rows, strict=True),
    )


async def add_links(conn: asyncpg.Connection, rows: Sequence[LinkRow]) -> None:
    if not rows:
        return
    await conn.execute(
        """
        INSERT INTO atom_links (source_atom_id, target_atom_id, link_type, strength, created_at)
        SELECT t.source, t.target, t.link_type, t.strength, t.at
        FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::real[], $5::timestamptz[]) WITH ORDINALITY
             AS t(source, target, link_type, strength, at, n)
        ORDER BY n
        ON CONFLICT (source_atom_id, target_atom_id, link_type) DO UPDATE SET strength = EXCLUDED.strength
        """,
        *zip(*rows, strict=True),
    )


@projection.on_batch("knowledge.atom_created")
async def created(conn: asyncpg.Connection, items: Sequence[tuple[Envelope, int]]) -> None:
    """A run publishes its atoms together: a few statements for all of them instead of four per atom.

    The same rows as applying them one by one: the first event of an id wins, and an id already stored adds
    nothing (not even topics or links: those come with `atom_linked`).
    """
    fresh: dict[uuid.UUID, tuple[AtomCreated, Envelope, str]] = {}
    for envelope, _ in items:
        event: AtomCreated = envelope.data
        atom_id = uuid_or_none(event.atom_id)
        title = " ".join(event.title.split())[:200]
        if atom_id is None or not title:
            log.warning("atom_created_refused", atom_id=event.atom_id, reason="no id or blank title")
            continue
        fresh.setdefault(atom_id, (event, envelope, title))
    stored = {r["id"] for r in await conn.fetch("SELECT id FROM atoms WHERE id = ANY($1::uuid[])", list(fresh))}
    new = [(atom_id, *value) for atom_id, value in fresh.items() if atom_id not in stored]
    if not new:
        return
    atoms, versions, topics, links = [], [], [], []  # type: ignore[var-annotated]
    for atom_id, event, envelope, title in new:
        at, run_id = envelope.occurred_at, uuid_or_none(event.run_id)
        confidence = _clamp(event.confidence, 0.0, 1.0)
        by = event.created_by or envelope.producer
        atoms.append(
            (
                atom_id, event.type, title, event.content, confidence, event.message_keys, event.approved, run_id, at,
                index_text(f"{title} {event.content}"),  # full-text search matches lemmas (migration 0010)
            )
        )  # fmt: skip
        snapshot = AtomSnapshot(
            type=event.type, title=title, content=event.content, confidence=confidence,
            source_message_keys=event.message_keys,
        )  # fmt: skip
        versions.append(
            (
                version_row_id("atom", atom_id, 1),
                atom_id,
                msgspec.to_builtins(snapshot),
                "approved" if event.approved else "proposed",
                by,
                by if event.approved else None,
                at if event.approved else None,
                run_id,
                at,
            )
        )
        topics += topic_rows(atom_id, event.topics, at)
        links += link_rows(atom_id, event.links, at)
    await conn.executemany(
        """
        INSERT INTO atoms (id, type, title, content, confidence, source_message_keys, approved, extraction_run_id,
                           created_at, updated_at, lemmas)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
        """,
        atoms,
    )
    await add_topics(conn, topics)
    await add_links(conn, links)
    await conn.executemany(
        """
        INSERT INTO atom_versions (id, atom_id, version, snapshot, state, created_by, reviewed_by, reviewed_at,
                                   extraction_run_id, created_at)
        VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9)
        """,
        versions,
    )


@projection.on("knowledge.atom_linked")
async def linked(conn: asyncpg.Connection, envelope: Envelope, seq: int) -> None:
    event: AtomLinked = envelope.data
    atom_id = uuid_or_none(event.atom_id)
    if atom_id is None or await conn.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id) is None:
        return
    await add_topics(conn, topic_rows(atom_id, event.topics, envelope.occurred_at))
    await add_links(conn, link_rows(atom_id, event.links, envelope.occurred_at))


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
