"""Topics: list, detail, edit (a proposed version), archive/restore, children, atoms and messages of a topic."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.gateway.api.knowledge_atoms import ATOM_COLUMNS, VERSION_COLUMNS, BulkIds
from services.gateway.api.knowledge_responses import (
    ArchiveResult,
    BulkArchiveResult,
    Topic,
    TopicAtom,
    TopicDetail,
    TopicMessagePage,
    TopicPage,
    Version,
    VersionProposed,
    shaped,
)
from services.gateway.auth import requires_token
from services.gateway.knowledge.review import (
    REVIEW,
    bulk_set_archived,
    ensure_topic_name_free,
    propose,
    reviewer,
    set_archived,
)
from services.gateway.pagination import decode_cursor, encode_cursor
from services.gateway.projections.knowledge_versions import creates_cycle
from services.gateway.search.tsquery import filter_query
from services.gateway.writes import emit_applied
from shared.contracts.common import AtomType
from shared.contracts.knowledge import TopicCreated, topic_id_for

UNSET = msgspec.UNSET
_TOPIC_COLUMNS = """t.id, t.name, t.description, t.keywords, t.icon, t.color, t.active, NOT t.active AS archived,
    t.parent_id, t.source_message_keys, t.extraction_run_id, t.created_at, t.updated_at,
    (SELECT count(*) FROM atom_topics x JOIN atoms a ON a.id = x.atom_id
     WHERE x.topic_id = t.id AND NOT a.archived) AS atom_count,
    (SELECT count(*) FROM messages m WHERE m.topic_id = t.id) AS message_count,
    (SELECT count(*) FROM topic_versions v WHERE v.topic_id = t.id AND v.state = 'proposed') AS pending_versions"""


class TopicCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    keywords: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] = []
    icon: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    color: Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")] | None = None
    parent_id: UUID | None = None


class TopicEdit(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change (absent = keep; null clears icon, colour, parent); proposed as a new version."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")] | msgspec.UnsetType = UNSET
    description: Annotated[str, msgspec.Meta(max_length=10_000)] | msgspec.UnsetType = UNSET
    keywords: list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]] | msgspec.UnsetType = UNSET
    icon: Annotated[str, msgspec.Meta(max_length=100)] | msgspec.UnsetType | None = UNSET
    color: Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")] | msgspec.UnsetType | None = UNSET
    parent_id: UUID | msgspec.UnsetType | None = UNSET
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class TopicsController(Controller):
    path = "/api/v1/knowledge/topics"
    tags = ["knowledge"]

    @get("/", operation_id="listTopics")
    async def list_topics(
        self,
        request: Request[Any, Any, Any],
        archived: Annotated[bool, QueryParameter(description="true: only archived topics")] = False,
        q: Annotated[str | None, QueryParameter(description="full-text search in name and description")] = None,
        parent: Annotated[UUID | None, QueryParameter(description="only children of this topic")] = None,
        roots: Annotated[bool, QueryParameter(description="only topics without a parent")] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> TopicPage:
        """By name, with counts of (live) atoms, messages and pending versions."""
        rows = await request.app.state.pool.fetch(
            f"""
            SELECT {_TOPIC_COLUMNS} FROM topics t
            WHERE t.active = NOT $1
              AND ($2::text IS NULL OR t.search @@ to_tsquery('simple', $2))
              AND ($3::uuid IS NULL OR t.parent_id = $3) AND (NOT $4 OR t.parent_id IS NULL)
            ORDER BY lower(t.name), t.id LIMIT $5 OFFSET $6
            """,
            archived,
            filter_query(q) if q else None,
            parent,
            roots,
            limit + 1,
            offset,
        )
        return shaped({"items": [dict(r) for r in rows[:limit]], "has_more": len(rows) > limit}, TopicPage)

    @post("/", operation_id="createTopic", guards=[requires_token], opt=REVIEW, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[TopicCreate]) -> Topic:
        """Add a topic by hand (its id derives from the name); 409 when the name is taken (any case)."""
        state = request.app.state
        name = " ".join(data.name.split())
        topic_id = topic_id_for(name)
        if data.parent_id is not None and not await state.pool.fetchval(
            "SELECT 1 FROM topics WHERE id = $1", data.parent_id
        ):
            raise ClientException(detail=f"no topic {data.parent_id}", extra=[{"field": "parent_id"}])
        async with state.locks.hold(f"topic:{topic_id}"):
            await ensure_topic_name_free(state.pool, name, UUID(topic_id))
            if await state.pool.fetchval("SELECT 1 FROM topics WHERE id = $1", UUID(topic_id)):
                raise HTTPException(status_code=409, detail=f"topic {name!r} exists already")
            event = TopicCreated(
                topic_id=topic_id,
                name=name,
                description=data.description,
                keywords=data.keywords,
                icon=data.icon,
                color=data.color,
                parent_id=str(data.parent_id) if data.parent_id else None,
                created_by=reviewer(request),
            )
            await emit_applied(state, event)
        row = await state.pool.fetchrow(f"SELECT {_TOPIC_COLUMNS} FROM topics t WHERE t.id = $1", UUID(topic_id))
        return shaped(dict(row), Topic)

    @post("/bulk-archive", operation_id="bulkArchiveTopics", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_archive(self, request: Request[Any, Any, Any], data: JSONBody[BulkIds]) -> BulkArchiveResult:
        """Archive each listed topic; one result per id (archived, conflict or not_found)."""
        return shaped(await bulk_set_archived(request, "topic", data.ids, True), BulkArchiveResult)

    @post("/bulk-restore", operation_id="bulkRestoreTopics", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_restore(self, request: Request[Any, Any, Any], data: JSONBody[BulkIds]) -> BulkArchiveResult:
        return shaped(await bulk_set_archived(request, "topic", data.ids, False), BulkArchiveResult)

    @get("/{topic_id:uuid}", operation_id="getTopic")
    async def detail(self, request: Request[Any, Any, Any], topic_id: FromPath[UUID]) -> TopicDetail:
        """The topic with its parent, children, atom counts per type and version history."""
        pool = request.app.state.pool
        row = await pool.fetchrow(f"SELECT {_TOPIC_COLUMNS} FROM topics t WHERE t.id = $1", topic_id)
        if row is None:
            raise NotFoundException(f"no topic {topic_id}")
        parent = await pool.fetchrow("SELECT id, name FROM topics WHERE id = $1", row["parent_id"])
        children = await pool.fetch(
            "SELECT id, name, active FROM topics WHERE parent_id = $1 ORDER BY lower(name)", topic_id
        )
        per_type = await pool.fetch(
            """
            SELECT a.type, count(*) AS count FROM atom_topics x JOIN atoms a ON a.id = x.atom_id
            WHERE x.topic_id = $1 AND NOT a.archived GROUP BY a.type ORDER BY a.type
            """,
            topic_id,
        )
        versions = await pool.fetch(
            f"SELECT {VERSION_COLUMNS} FROM topic_versions WHERE topic_id = $1 ORDER BY version", topic_id
        )
        body = {
            **dict(row),
            "parent": dict(parent) if parent else None,
            "children": [dict(c) for c in children],
            "atoms_by_type": {r["type"]: r["count"] for r in per_type},
            "versions": [dict(v) for v in versions],
        }
        return shaped(body, TopicDetail)

    @patch("/{topic_id:uuid}", operation_id="editTopic", guards=[requires_token], opt=REVIEW, status_code=202)
    async def edit(
        self, request: Request[Any, Any, Any], topic_id: FromPath[UUID], data: JSONBody[TopicEdit]
    ) -> VersionProposed:
        """Propose a new version with these changes (the topic changes when the version is approved)."""
        pool = request.app.state.pool
        row = await pool.fetchrow(
            "SELECT name, description, keywords, icon, color, parent_id FROM topics WHERE id = $1", topic_id
        )
        if row is None:
            raise NotFoundException(f"no topic {topic_id}")
        snapshot = {**dict(row), "parent_id": str(row["parent_id"]) if row["parent_id"] else None}
        if data.name is not UNSET:
            await ensure_topic_name_free(pool, data.name, topic_id)
        if data.parent_id is not UNSET and data.parent_id is not None:
            if await creates_cycle(pool, topic_id, data.parent_id):
                raise ClientException(
                    detail="parent_id must name another existing topic that is not below this one",
                    extra=[{"field": "parent_id"}],
                )
        for field in ("name", "description", "keywords", "icon", "color", "parent_id"):
            value = getattr(data, field)
            if value is not UNSET:
                snapshot[field] = str(value) if isinstance(value, UUID) else value
        return shaped(await propose(request, "topic", topic_id, snapshot, data.reason), VersionProposed)

    @post("/{topic_id:uuid}/archive", operation_id="archiveTopic", guards=[requires_token], opt=REVIEW, status_code=202)
    async def archive(self, request: Request[Any, Any, Any], topic_id: FromPath[UUID]) -> ArchiveResult:
        return shaped(await set_archived(request, "topic", topic_id, True), ArchiveResult)

    @post("/{topic_id:uuid}/restore", operation_id="restoreTopic", guards=[requires_token], opt=REVIEW, status_code=202)
    async def restore(self, request: Request[Any, Any, Any], topic_id: FromPath[UUID]) -> ArchiveResult:
        return shaped(await set_archived(request, "topic", topic_id, False), ArchiveResult)

    @get("/{topic_id:uuid}/children", operation_id="listTopicChildren")
    async def children(self, request: Request[Any, Any, Any], topic_id: FromPath[UUID]) -> list[Topic]:
        pool = request.app.state.pool
        await _require_topic(pool, topic_id)
        rows = await pool.fetch(
            f"SELECT {_TOPIC_COLUMNS} FROM topics t WHERE t.parent_id = $1 ORDER BY lower(t.name)", topic_id
        )
        return shaped([dict(r) for r in rows], list[Topic])

    @get("/{topic_id:uuid}/atoms", operation_id="listTopicAtoms")
    async def atoms(
        self,
        request: Request[Any, Any, Any],
        topic_id: FromPath[UUID],
        type: FromQuery[AtomType | None] = None,
        archived: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
    ) -> list[TopicAtom]:
        """The topic's atoms, best match first."""
        pool = request.app.state.pool
        await _require_topic(pool, topic_id)
        rows = await pool.fetch(
            f"""
            SELECT {ATOM_COLUMNS}, round(x.similarity::numeric, 3)::float8 AS similarity
            FROM atom_topics x JOIN atoms a ON a.id = x.atom_id
            WHERE x.topic_id = $1 AND a.archived = $2 AND ($3::text IS NULL OR a.type = $3)
            ORDER BY x.similarity DESC NULLS LAST, a.created_at DESC LIMIT $4
            """,
            topic_id,
            archived,
            type,
            limit,
        )
        return shaped([dict(r) for r in rows], list[TopicAtom])

    @get("/{topic_id:uuid}/messages", operation_id="listTopicMessages")
    async def messages(
        self,
        request: Request[Any, Any, Any],
        topic_id: FromPath[UUID],
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> TopicMessagePage:
        """Messages assigned to the topic, newest first (keyset cursor)."""
        pool = request.app.state.pool
        await _require_topic(pool, topic_id)
        after = decode_cursor(cursor) if cursor else None
        rows = await pool.fetch(
            f"""
            SELECT m.id, m.key, m.chat_id, m.text, m.sent_at, m.language, m.importance_score,
                   m.effective_classification AS classification, m.extraction_run_id,
                   p.display_name AS author
            FROM messages m LEFT JOIN profiles p ON p.id = m.author_id
            WHERE m.topic_id = $1 AND ($2::timestamptz IS NULL OR (m.sent_at, m.id) < ($2, $3))
            ORDER BY m.sent_at DESC, m.id DESC LIMIT {limit + 1}
            """,
            topic_id,
            after[0] if after else None,
            after[1] if after else None,
        )
        page = rows[:limit]
        next_cursor = encode_cursor(page[-1]["sent_at"], page[-1]["id"]) if len(rows) > limit else None
        return shaped({"items": [dict(r) for r in page], "next_cursor": next_cursor}, TopicMessagePage)

    @get("/{topic_id:uuid}/versions", operation_id="listTopicVersions")
    async def versions(self, request: Request[Any, Any, Any], topic_id: FromPath[UUID]) -> list[Version]:
        pool = request.app.state.pool
        await _require_topic(pool, topic_id)
        rows = await pool.fetch(
            f"SELECT {VERSION_COLUMNS} FROM topic_versions WHERE topic_id = $1 ORDER BY version", topic_id
        )
        return shaped([dict(r) for r in rows], list[Version])


async def _require_topic(pool: Any, topic_id: UUID) -> None:
    if await pool.fetchval("SELECT 1 FROM topics WHERE id = $1", topic_id) is None:
        raise NotFoundException(f"no topic {topic_id}")
