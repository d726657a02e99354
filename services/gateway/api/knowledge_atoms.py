"""Atoms: list with filters, detail (topics, links, source messages, versions), edit, archive/restore, links."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.gateway.api.knowledge_responses import (
    ArchiveResult,
    AtomDetail,
    AtomLinks,
    AtomPage,
    BulkArchiveResult,
    LinkCreated,
    Version,
    VersionProposed,
    shaped,
)
from services.gateway.auth import requires_token
from services.gateway.knowledge.review import REVIEW, bulk_set_archived, propose, reviewer, set_archived
from services.gateway.pagination import decode_cursor, encode_cursor
from services.gateway.search.tsquery import filter_query
from services.gateway.where import Where
from services.gateway.writes import emit_applied
from shared.contracts.common import AtomType, LinkType
from shared.contracts.knowledge import AtomCreated, AtomLink, AtomLinked, AtomTopic, atom_id_for

UNSET = msgspec.UNSET
ATOM_COLUMNS = """a.id, a.type, a.title, a.content, round(a.confidence::numeric, 3)::float8 AS confidence,
    a.source_message_keys, a.approved, a.archived, a.extraction_run_id, a.created_at, a.updated_at"""
VERSION_COLUMNS = """version, state, snapshot, created_by, reviewed_by, reviewed_at, reason, auto, rule_id,
    extraction_run_id, created_at"""
SOURCE_MESSAGES_SQL = """
    SELECT m.key, m.text, m.sent_at, m.chat_id, m.effective_classification AS classification,
           p.display_name AS author
    FROM messages m LEFT JOIN profiles p ON p.id = m.author_id
    WHERE m.key = ANY($1::text[]) ORDER BY m.sent_at, m.id
"""


class AtomEdit(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change (absent = keep); the result is proposed as a new version for review."""

    type: AtomType | msgspec.UnsetType = UNSET
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")] | msgspec.UnsetType = UNSET
    content: Annotated[str, msgspec.Meta(max_length=50_000)] | msgspec.UnsetType = UNSET
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] | msgspec.UnsetType = UNSET
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class AtomCreate(msgspec.Struct, forbid_unknown_fields=True):
    type: AtomType
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    content: Annotated[str, msgspec.Meta(max_length=50_000)] = ""
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] = 1.0
    message_keys: Annotated[list[str], msgspec.Meta(max_length=100)] = []
    topic_ids: Annotated[list[UUID], msgspec.Meta(max_length=5)] = []


class BulkIds(msgspec.Struct, forbid_unknown_fields=True):
    ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=200)]


class LinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    target_atom_id: UUID
    link_type: LinkType
    strength: Annotated[float, msgspec.Meta(ge=0, le=1)] = 1.0


class AtomsController(Controller):
    path = "/api/v1/knowledge/atoms"
    tags = ["knowledge"]

    @get("/", operation_id="listAtoms")
    async def list_atoms(
        self,
        request: Request[Any, Any, Any],
        type: FromQuery[AtomType | None] = None,
        approved: FromQuery[bool | None] = None,
        archived: Annotated[bool, QueryParameter(description="true: only archived atoms")] = False,
        topic: FromQuery[UUID | None] = None,
        run: FromQuery[UUID | None] = None,
        q: Annotated[str | None, QueryParameter(description="full-text search in title and content")] = None,
        min_confidence: Annotated[float | None, QueryParameter(ge=0, le=1)] = None,
        max_confidence: Annotated[float | None, QueryParameter(ge=0, le=1)] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AtomPage:
        """Newest first, with the topics of each atom."""
        if min_confidence is not None and max_confidence is not None and min_confidence > max_confidence:
            raise ClientException(
                detail="min_confidence must not exceed max_confidence", extra=[{"field": "min_confidence"}]
            )
        where = Where()
        where.add("a.archived = {}", archived)
        if type is not None:
            where.add("a.type = {}", type)
        if approved is not None:
            where.add("a.approved = {}", approved)
        if topic is not None:
            where.add("EXISTS (SELECT 1 FROM atom_topics x WHERE x.atom_id = a.id AND x.topic_id = {})", topic)
        if run is not None:
            where.add("a.extraction_run_id = {}", run)
        if q:
            where.add("a.search @@ to_tsquery('simple', {})", filter_query(q))
        if min_confidence is not None:
            where.add("a.confidence >= {}", min_confidence)
        if max_confidence is not None:
            where.add("a.confidence <= {}", max_confidence)
        if cursor:
            where.add("(a.created_at, a.id) < ({}, {})", *decode_cursor(cursor, UUID))
        rows = await request.app.state.pool.fetch(
            f"""
            SELECT {ATOM_COLUMNS},
                   coalesce((SELECT json_agg(json_build_object('id', t.id, 'name', t.name)
                                             ORDER BY at.similarity DESC NULLS LAST, t.name)
                             FROM atom_topics at JOIN topics t ON t.id = at.topic_id WHERE at.atom_id = a.id),
                            '[]') AS topics
            FROM atoms a{where.sql}
            ORDER BY a.created_at DESC, a.id DESC LIMIT {limit + 1}
            """,
            *where.args,
        )
        page = rows[:limit]
        next_cursor = encode_cursor(page[-1]["created_at"], str(page[-1]["id"])) if len(rows) > limit else None
        return shaped({"items": [dict(r) for r in page], "next_cursor": next_cursor}, AtomPage)

    @get("/{atom_id:uuid}", operation_id="getAtom")
    async def detail(self, request: Request[Any, Any, Any], atom_id: FromPath[UUID]) -> AtomDetail:
        """The atom with its topics, links both ways, source messages and version history."""
        return await atom_detail(request.app.state.pool, atom_id)

    @post("/", operation_id="createAtom", guards=[requires_token], opt=REVIEW, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[AtomCreate]) -> AtomDetail:
        """Add an atom by hand (approved: a person wrote it); its id derives from type, title and messages."""
        state = request.app.state
        keys = list(dict.fromkeys(data.message_keys))
        known = {r["key"] for r in await state.pool.fetch("SELECT key FROM messages WHERE key = ANY($1)", keys)}
        if unknown := [k for k in keys if k not in known]:
            raise ClientException(
                detail=f"unknown message keys: {', '.join(unknown[:10])}", extra=[{"field": "message_keys"}]
            )
        topic_ids = list(dict.fromkeys(data.topic_ids))
        found = await state.pool.fetchval("SELECT count(*) FROM topics WHERE id = ANY($1::uuid[])", topic_ids)
        if found != len(topic_ids):
            raise ClientException(detail="every topic_id must name an existing topic", extra=[{"field": "topic_ids"}])
        atom_id = atom_id_for(data.type, data.title, keys)
        async with state.locks.hold(f"atom:{atom_id}"):
            if await state.pool.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id):
                raise HTTPException(status_code=409, detail=f"this atom exists already ({atom_id})")
            event = AtomCreated(
                atom_id=atom_id,
                type=data.type,
                title=" ".join(data.title.split()),
                content=data.content,
                confidence=data.confidence,
                message_keys=keys,
                topics=[AtomTopic(topic_id=str(t)) for t in topic_ids],
                approved=True,
                created_by=reviewer(request),
            )
            await emit_applied(state, event)
        return await atom_detail(state.pool, UUID(atom_id))

    @post("/bulk-archive", operation_id="bulkArchiveAtoms", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_archive(self, request: Request[Any, Any, Any], data: JSONBody[BulkIds]) -> BulkArchiveResult:
        """Archive each listed atom; one result per id (archived, conflict or not_found)."""
        return shaped(await bulk_set_archived(request, "atom", data.ids, True), BulkArchiveResult)

    @post("/bulk-restore", operation_id="bulkRestoreAtoms", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_restore(self, request: Request[Any, Any, Any], data: JSONBody[BulkIds]) -> BulkArchiveResult:
        return shaped(await bulk_set_archived(request, "atom", data.ids, False), BulkArchiveResult)

    @patch("/{atom_id:uuid}", operation_id="editAtom", guards=[requires_token], opt=REVIEW, status_code=202)
    async def edit(
        self, request: Request[Any, Any, Any], atom_id: FromPath[UUID], data: JSONBody[AtomEdit]
    ) -> VersionProposed:
        """Propose a new version with these changes (the atom itself changes when the version is approved)."""
        row = await request.app.state.pool.fetchrow(
            "SELECT type, title, content, confidence::float8 AS confidence, source_message_keys"
            " FROM atoms WHERE id = $1",
            atom_id,
        )
        if row is None:
            raise NotFoundException(f"no atom {atom_id}")
        snapshot = dict(row)
        snapshot["confidence"] = round(snapshot["confidence"], 6)  # real → float8 would show 0.8999999761
        changes = {f: getattr(data, f) for f in ("type", "title", "content", "confidence")}
        snapshot.update({f: v for f, v in changes.items() if v is not UNSET})
        return shaped(await propose(request, "atom", atom_id, snapshot, data.reason), VersionProposed)

    @post("/{atom_id:uuid}/archive", operation_id="archiveAtom", guards=[requires_token], opt=REVIEW, status_code=202)
    async def archive(self, request: Request[Any, Any, Any], atom_id: FromPath[UUID]) -> ArchiveResult:
        return shaped(await set_archived(request, "atom", atom_id, True), ArchiveResult)

    @post("/{atom_id:uuid}/restore", operation_id="restoreAtom", guards=[requires_token], opt=REVIEW, status_code=202)
    async def restore(self, request: Request[Any, Any, Any], atom_id: FromPath[UUID]) -> ArchiveResult:
        return shaped(await set_archived(request, "atom", atom_id, False), ArchiveResult)

    @get("/{atom_id:uuid}/links", operation_id="listAtomLinks")
    async def links(self, request: Request[Any, Any, Any], atom_id: FromPath[UUID]) -> AtomLinks:
        """Links from this atom (outgoing) and to it (incoming), with the other atom's type and title."""
        pool = request.app.state.pool
        if await pool.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id) is None:
            raise NotFoundException(f"no atom {atom_id}")
        return shaped(await links_of(pool, atom_id), AtomLinks)

    @post("/{atom_id:uuid}/links", operation_id="linkAtom", guards=[requires_token], opt=REVIEW, status_code=202)
    async def link(
        self, request: Request[Any, Any, Any], atom_id: FromPath[UUID], data: JSONBody[LinkRequest]
    ) -> LinkCreated:
        """Link this atom to another (e.g. a solution `solves` a problem)."""
        state = request.app.state
        if data.target_atom_id == atom_id:
            raise ClientException(detail="an atom cannot link to itself", extra=[{"field": "target_atom_id"}])
        found = await state.pool.fetchval(
            "SELECT count(*) FROM atoms WHERE id = ANY($1::uuid[])", [atom_id, data.target_atom_id]
        )
        if found < 2:
            if await state.pool.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id) is None:
                raise NotFoundException(f"no atom {atom_id}")
            raise ClientException(detail=f"no atom {data.target_atom_id}", extra=[{"field": "target_atom_id"}])
        link = AtomLink(target_atom_id=str(data.target_atom_id), link_type=data.link_type, strength=data.strength)
        envelope = (await emit_applied(state, AtomLinked(atom_id=str(atom_id), links=[link]))).envelope
        return LinkCreated(
            atom_id=atom_id,
            target_atom_id=data.target_atom_id,
            link_type=data.link_type,
            strength=data.strength,
            by=reviewer(request),
            event_id=envelope.id,
        )

    @get("/{atom_id:uuid}/versions", operation_id="listAtomVersions")
    async def versions(self, request: Request[Any, Any, Any], atom_id: FromPath[UUID]) -> list[Version]:
        rows = await request.app.state.pool.fetch(
            f"SELECT {VERSION_COLUMNS} FROM atom_versions WHERE atom_id = $1 ORDER BY version", atom_id
        )
        if not rows and await request.app.state.pool.fetchval("SELECT 1 FROM atoms WHERE id = $1", atom_id) is None:
            raise NotFoundException(f"no atom {atom_id}")
        return shaped([dict(r) for r in rows], list[Version])


async def links_of(pool: Any, atom_id: UUID) -> dict[str, list[dict[str, Any]]]:
    rows = await pool.fetch(
        """
        SELECT 'outgoing' AS direction, l.target_atom_id AS atom_id, l.link_type,
               round(l.strength::numeric, 3)::float8 AS strength, o.type, o.title, o.archived
        FROM atom_links l JOIN atoms o ON o.id = l.target_atom_id WHERE l.source_atom_id = $1
        UNION ALL
        SELECT 'incoming', l.source_atom_id, l.link_type, round(l.strength::numeric, 3)::float8, o.type, o.title,
               o.archived
        FROM atom_links l JOIN atoms o ON o.id = l.source_atom_id WHERE l.target_atom_id = $1
        ORDER BY 1, 3, 6
        """,
        atom_id,
    )
    out: dict[str, list[dict[str, Any]]] = {"outgoing": [], "incoming": []}
    for r in rows:
        item = dict(r)
        out[item.pop("direction")].append(item)
    return out


async def atom_detail(pool: Any, atom_id: UUID) -> AtomDetail:
    row = await pool.fetchrow(f"SELECT {ATOM_COLUMNS} FROM atoms a WHERE a.id = $1", atom_id)
    if row is None:
        raise NotFoundException(f"no atom {atom_id}")
    topics = await pool.fetch(
        """
        SELECT t.id, t.name, t.active, round(at.similarity::numeric, 3)::float8 AS similarity
        FROM atom_topics at JOIN topics t ON t.id = at.topic_id WHERE at.atom_id = $1
        ORDER BY at.similarity DESC NULLS LAST, t.name
        """,
        atom_id,
    )
    versions = await pool.fetch(
        f"SELECT {VERSION_COLUMNS} FROM atom_versions WHERE atom_id = $1 ORDER BY version", atom_id
    )
    messages = await pool.fetch(SOURCE_MESSAGES_SQL, row["source_message_keys"])
    body = {
        **dict(row),
        "topics": [dict(t) for t in topics],
        "links": await links_of(pool, atom_id),
        "source_messages": [dict(m) for m in messages],
        "versions": [dict(v) for v in versions],
    }
    return shaped(body, AtomDetail)
