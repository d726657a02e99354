"""Versions of topics and atoms: list, pending count, diff, approve, reject (reason required), bulk review."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.gateway.api.knowledge_responses import (
    BulkResult,
    PendingCount,
    ReviewResult,
    VersionDiff,
    VersionListItem,
    shaped,
)
from services.gateway.auth import requires_token
from services.gateway.knowledge.diff import snapshot_diff
from services.gateway.knowledge.review import REVIEW, review, review_many
from services.gateway.projections.knowledge_versions import TABLES

EntityName = Literal["topic", "atom"]
_VERSION_FIELDS = """v.version, v.state, v.snapshot, v.created_by, v.reviewed_by, v.reviewed_at, v.reason, v.auto,
    v.rule_id, v.extraction_run_id, v.created_at"""
_LIST_SQL = f"""
SELECT * FROM (
    SELECT 'topic' AS entity, v.topic_id AS entity_id, e.name AS entity_title, {_VERSION_FIELDS}
    FROM topic_versions v JOIN topics e ON e.id = v.topic_id
    UNION ALL
    SELECT 'atom', v.atom_id, e.title, {_VERSION_FIELDS}
    FROM atom_versions v JOIN atoms e ON e.id = v.atom_id
) x
WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR state = $2) AND ($3::uuid IS NULL OR entity_id = $3)
ORDER BY created_at DESC, entity_id, version DESC LIMIT $4
"""


class RejectRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=r"\S")]


class ApproveRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class VersionRef(msgspec.Struct, forbid_unknown_fields=True):
    entity: EntityName
    entity_id: UUID
    version: Annotated[int, msgspec.Meta(ge=1)]


class BulkRequest(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[VersionRef], msgspec.Meta(min_length=1, max_length=200)]
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


def _entity(value: str) -> str:
    if value not in TABLES:
        raise ClientException(detail="entity must be topic or atom", extra=[{"field": "entity"}])
    return value


class VersionsController(Controller):
    path = "/api/v1/knowledge/versions"
    tags = ["knowledge"]

    @get("/", operation_id="listVersions")
    async def list_versions(
        self,
        request: Request[Any, Any, Any],
        entity: FromQuery[EntityName | None] = None,
        version_state: Annotated[
            Literal["proposed", "approved", "rejected"] | None, QueryParameter(name="state", description="review state")
        ] = None,
        entity_id: FromQuery[UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[VersionListItem]:
        """Versions of both entities, newest first (`state=proposed` is the review queue)."""
        rows = await request.app.state.pool.fetch(_LIST_SQL, entity, version_state, entity_id, limit)
        return shaped([dict(r) for r in rows], list[VersionListItem])

    @get("/pending-count", operation_id="countPendingVersions")
    async def pending_count(self, request: Request[Any, Any, Any]) -> PendingCount:
        row = await request.app.state.pool.fetchrow(
            """
            SELECT (SELECT count(*) FROM topic_versions WHERE state = 'proposed') AS topics,
                   (SELECT count(*) FROM atom_versions WHERE state = 'proposed') AS atoms
            """
        )
        return PendingCount(topics=row["topics"], atoms=row["atoms"], total=row["topics"] + row["atoms"])

    @get("/{entity:str}/{entity_id:uuid}/diff", operation_id="diffVersions")
    async def diff(
        self,
        request: Request[Any, Any, Any],
        entity: FromPath[str],
        entity_id: FromPath[UUID],
        from_version: Annotated[int | None, QueryParameter(name="from", ge=1, description="default: to - 1")] = None,
        to_version: Annotated[int | None, QueryParameter(name="to", ge=1, description="default: the latest")] = None,
    ) -> VersionDiff:
        """Field-level changes between two versions, and unified diffs of name / title / description / content."""
        t = TABLES[_entity(entity)]
        pool = request.app.state.pool
        if to_version is None:
            to_version = await pool.fetchval(f"SELECT max(version) FROM {t.versions} WHERE {t.key} = $1", entity_id)
            if to_version is None:
                raise NotFoundException(f"no versions of {entity} {entity_id}")
        if from_version is None:
            from_version = max(to_version - 1, 1)
        rows = {
            r["version"]: r
            for r in await pool.fetch(
                f"SELECT version, state, snapshot FROM {t.versions} WHERE {t.key} = $1 AND version = ANY($2::int[])",
                entity_id,
                [from_version, to_version],
            )
        }
        for field, number in (("from", from_version), ("to", to_version)):
            if number not in rows:
                raise NotFoundException(f"no version {number} of {entity} {entity_id} (query field {field!r})")
        before, after = rows[from_version], rows[to_version]
        body = {
            "entity": entity,
            "entity_id": str(entity_id),
            "from": {"version": from_version, "state": before["state"]},
            "to": {"version": to_version, "state": after["state"]},
            **snapshot_diff(
                before["snapshot"], after["snapshot"], from_label=f"v{from_version}", to_label=f"v{to_version}"
            ),
        }
        return shaped(body, VersionDiff)

    @post(
        "/{entity:str}/{entity_id:uuid}/{version:int}/approve",
        operation_id="approveVersion",
        guards=[requires_token],
        opt=REVIEW,
        status_code=200,
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        entity: FromPath[str],
        entity_id: FromPath[UUID],
        version: FromPath[int],
        data: JSONBody[ApproveRequest | None] = None,
    ) -> ReviewResult:
        """Approve a proposed version: the snapshot is applied to the entity. 409 if it is not proposed."""
        reason = data.reason if data else None
        return shaped(
            await review(request, _entity(entity), entity_id, version, approve=True, reason=reason), ReviewResult
        )

    @post(
        "/{entity:str}/{entity_id:uuid}/{version:int}/reject",
        operation_id="rejectVersion",
        guards=[requires_token],
        opt=REVIEW,
        status_code=200,
    )
    async def reject(
        self,
        request: Request[Any, Any, Any],
        entity: FromPath[str],
        entity_id: FromPath[UUID],
        version: FromPath[int],
        data: JSONBody[RejectRequest],
    ) -> ReviewResult:
        """Reject a proposed version with a reason (kept in the history). 409 if it is not proposed."""
        done = await review(request, _entity(entity), entity_id, version, approve=False, reason=data.reason)
        return shaped(done, ReviewResult)

    @post("/bulk-approve", operation_id="bulkApproveVersions", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_approve(self, request: Request[Any, Any, Any], data: JSONBody[BulkRequest]) -> BulkResult:
        """Approve each listed version; one result per item (approved, conflict or not_found)."""
        return await _bulk(request, data, approve=True)

    @post("/bulk-reject", operation_id="bulkRejectVersions", guards=[requires_token], opt=REVIEW, status_code=200)
    async def bulk_reject(self, request: Request[Any, Any, Any], data: JSONBody[BulkRequest]) -> BulkResult:
        """Reject each listed version with the one reason given (required)."""
        if not data.reason or not data.reason.strip():
            raise ClientException(detail="a reason is required to reject", extra=[{"field": "reason"}])
        return await _bulk(request, data, approve=False)


async def _bulk(request: Request[Any, Any, Any], data: BulkRequest, *, approve: bool) -> BulkResult:
    items = [(item.entity, item.entity_id, item.version) for item in data.items]
    results = await review_many(request, items, approve=approve, reason=data.reason)
    done_state = "approved" if approve else "rejected"
    body = {"results": results, "done": sum(r["status"] == done_state for r in results), "total": len(results)}
    return shaped(body, BulkResult)
