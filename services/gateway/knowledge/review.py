"""Publishing review events from HTTP requests: proposals (edits), approvals, rejections, archive/restore.

Each write waits until the gateway's projector has applied it (`writes.emit_applied`), so the answer and the
caller's next read see it. Reviews of one entity are serialised per gateway (`state.locks`): the second of two
concurrent approvals reads "approved" and gets 409. Across gateways the review event carries a dedupe id per
version, so JetStream stores only the first and reports the second as a duplicate, also answered 409.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException

from services.gateway.projections.knowledge_versions import TABLES, normalised_snapshot
from services.gateway.writes import emit_applied, until_applied
from shared.contracts.knowledge import EntityArchived, VersionCreated, VersionReviewed

Entity = str  # "topic" | "atom"
# Route option for the access layer: reviewing knowledge needs the `review` scope, not `admin`.
REVIEW = {"scope": "review"}


def reviewer(request: Request[Any, Any, Any]) -> str:
    """Who is reviewing: the authenticated principal when the access layer set one, else "api"."""
    user = request.scope.get("user")
    if isinstance(user, str) and user:
        return user
    for attr in ("principal", "name", "id"):
        value = getattr(user, attr, None)
        if isinstance(value, str) and value:
            return value
    return "api"


def conflict(detail: str) -> HTTPException:
    return HTTPException(status_code=409, detail=detail)


async def latest_version(pool: Any, entity: Entity, entity_id: UUID) -> Any:
    t = TABLES[entity]
    return await pool.fetchrow(
        f"SELECT version, state, snapshot FROM {t.versions} WHERE {t.key} = $1 ORDER BY version DESC LIMIT 1",
        entity_id,
    )


async def propose(
    request: Request[Any, Any, Any], entity: Entity, entity_id: UUID, snapshot: dict[str, Any], reason: str | None
) -> dict[str, Any]:
    """Publish an edit as a proposed version (full snapshot); 409 when it would change nothing."""
    state = request.app.state
    try:
        snapshot = normalised_snapshot(entity, snapshot)
    except msgspec.ValidationError as exc:  # the edit's own fields were checked; this is the merged whole
        raise HTTPException(status_code=400, detail=f"invalid {entity}: {exc}") from None
    who = reviewer(request)
    async with state.locks.hold(f"{entity}:{entity_id}"):
        latest = await latest_version(state.pool, entity, entity_id)
        if latest is not None and latest["snapshot"] == snapshot:
            raise conflict(f"nothing to change: identical to version {latest['version']} ({latest['state']})")
        expected = (latest["version"] if latest else 0) + 1
        event = VersionCreated(
            entity=entity,  # type: ignore[arg-type]
            entity_id=str(entity_id),
            version=expected,
            snapshot=snapshot,
            created_by=who,
            reason=reason,
        )
        written = await emit_applied(state, event)
        # The projector numbers versions in stream order: another producer may have taken `expected`.
        t = TABLES[entity]
        assigned = await state.pool.fetchval(
            f"SELECT max(version) FROM {t.versions} WHERE {t.key} = $1 AND snapshot = $2", entity_id, snapshot
        )
    envelope = written.envelope
    version = assigned or expected
    return {
        "entity": entity,
        "entity_id": str(entity_id),
        "version": version,
        "state": "proposed",
        "snapshot": snapshot,
        "created_by": who,
        "event_id": envelope.id,
    }


async def review(
    request: Request[Any, Any, Any], entity: Entity, entity_id: UUID, version: int, *, approve: bool, reason: str | None
) -> dict[str, Any]:
    """Approve or reject one proposed version: 404 unknown, 409 when it is not (or no longer) proposed."""
    state = request.app.state
    t = TABLES[entity]
    who = reviewer(request)
    async with state.locks.hold(f"{entity}:{entity_id}"):
        row = await state.pool.fetchrow(
            f"SELECT state, snapshot FROM {t.versions} WHERE {t.key} = $1 AND version = $2", entity_id, version
        )
        if row is None:
            raise NotFoundException(f"no version {version} of {entity} {entity_id}")
        if row["state"] != "proposed":
            raise conflict(f"version {version} of {entity} {entity_id} is already {row['state']}")
        if approve and entity == "topic":
            await ensure_topic_name_free(state.pool, row["snapshot"]["name"], entity_id)
        event = VersionReviewed(
            entity=entity,  # type: ignore[arg-type]
            entity_id=str(entity_id),
            version=version,
            reviewed_by=who,
            reason=reason,
        )
        event_type = "knowledge.version_approved" if approve else "knowledge.version_rejected"
        written = await emit_applied(
            state, event, event_type=event_type, msg_id=f"review:{entity}:{entity_id}:{version}"
        )
    if written.duplicate:
        raise conflict(f"version {version} of {entity} {entity_id} is already being reviewed")
    envelope = written.envelope
    return {
        "entity": entity,
        "entity_id": str(entity_id),
        "version": version,
        "state": "approved" if approve else "rejected",
        "reviewed_by": who,
        "reason": reason,
        "event_id": envelope.id,
    }


async def review_many(
    request: Request[Any, Any, Any], items: list[tuple[Entity, UUID, int]], *, approve: bool, reason: str | None
) -> list[dict[str, Any]]:
    """Bulk review: each item checked and published in turn, then one wait for the projector (not one per item).

    Results per item: approved / rejected, conflict (not proposed, or reviewed concurrently), not_found.
    """
    state = request.app.state
    who = reviewer(request)
    event_type = "knowledge.version_approved" if approve else "knowledge.version_rejected"
    results: list[dict[str, Any]] = []
    last_seq = 0
    for entity, entity_id, version in items:
        ref = {"entity": entity, "entity_id": entity_id, "version": version}
        t = TABLES[entity]
        row = await state.pool.fetchrow(
            f"SELECT state, snapshot FROM {t.versions} WHERE {t.key} = $1 AND version = $2", entity_id, version
        )
        if row is None:
            results.append({**ref, "status": "not_found", "detail": f"no version {version} of {entity} {entity_id}"})
            continue
        if row["state"] != "proposed":
            results.append({**ref, "status": "conflict", "detail": f"already {row['state']}"})
            continue
        if approve and entity == "topic":
            try:
                await ensure_topic_name_free(state.pool, row["snapshot"]["name"], entity_id)
            except HTTPException as exc:
                results.append({**ref, "status": "conflict", "detail": exc.detail})
                continue
        event = VersionReviewed(
            entity=entity,  # type: ignore[arg-type]
            entity_id=str(entity_id),
            version=version,
            reviewed_by=who,
            reason=reason,
        )
        envelope = state.publisher.envelope(event, event_type=event_type)
        ack = await state.publisher.publish(envelope, msg_id=f"review:{entity}:{entity_id}:{version}")
        if ack.duplicate:
            results.append({**ref, "status": "conflict", "detail": "already being reviewed"})
            continue
        last_seq = max(last_seq, ack.seq)
        results.append({**ref, "status": "approved" if approve else "rejected", "event_id": envelope.id})
    if last_seq:
        await until_applied(state, last_seq)
    return results


async def ensure_topic_name_free(pool: Any, name: str, topic_id: UUID) -> None:
    taken = await pool.fetchval(
        "SELECT id FROM topics WHERE lower(name) = lower($1) AND id <> $2", " ".join(name.split()), topic_id
    )
    if taken is not None:
        raise conflict(f"another topic ({taken}) is already named {name!r}")


async def bulk_set_archived(
    request: Request[Any, Any, Any], entity: Entity, ids: list[UUID], archived: bool
) -> dict[str, Any]:
    """`set_archived` for each id; one result per id instead of the first failure."""
    results = []
    for entity_id in ids:
        try:
            await set_archived(request, entity, entity_id, archived)
            results.append({"entity_id": entity_id, "status": "archived" if archived else "restored"})
        except NotFoundException as exc:
            results.append({"entity_id": entity_id, "status": "not_found", "detail": exc.detail})
        except HTTPException as exc:
            results.append({"entity_id": entity_id, "status": "conflict", "detail": exc.detail})
    done = sum(r["status"] in ("archived", "restored") for r in results)
    return {"results": results, "done": done, "total": len(results)}


async def set_archived(
    request: Request[Any, Any, Any], entity: Entity, entity_id: UUID, archived: bool
) -> dict[str, Any]:
    """Archive or restore a topic or atom: 404 unknown, 409 when it already is."""
    state = request.app.state
    sql = {
        "topic": "SELECT NOT active FROM topics WHERE id = $1",
        "atom": "SELECT archived FROM atoms WHERE id = $1",
    }[entity]
    who = reviewer(request)
    async with state.locks.hold(f"{entity}:{entity_id}"):
        current = await state.pool.fetchval(sql, entity_id)
        if current is None:
            raise NotFoundException(f"no {entity} {entity_id}")
        if current == archived:
            raise conflict(f"{entity} {entity_id} is already {'archived' if archived else 'active'}")
        event_type = f"knowledge.{entity}_{'archived' if archived else 'restored'}"
        written = await emit_applied(
            state,
            EntityArchived(entity=entity, entity_id=str(entity_id), by=who),  # type: ignore[arg-type]
            event_type=event_type,
        )
    envelope = written.envelope
    return {"entity": entity, "entity_id": str(entity_id), "archived": archived, "by": who, "event_id": envelope.id}
