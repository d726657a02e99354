"""Auto-approval rules (global or per schedule, by atom types and minimum confidence) and their dry run."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from services.gateway.api.knowledge_responses import Deleted, DryRun, Rule, RuleChanged, shaped
from services.gateway.auth import requires_token
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.common import AtomType
from shared.contracts.knowledge import AutoApprovalRuleChanged, AutoApprovalRuleDeleted

UNSET = msgspec.UNSET
_COLUMNS = """id, schedule_id, atom_types, round(min_confidence::numeric, 3)::float8 AS min_confidence, active,
    created_at, updated_at"""
Confidence = Annotated[float, msgspec.Meta(ge=0, le=1)]
SAMPLE = 10
# Proposed atom versions a rule would approve: of its types, at or above its confidence, and for a schedule's
# rule only those from that schedule's runs. Confidences are compared at 6 decimals (the column is `real`).
_DRY_RUN_SQL = """
SELECT v.atom_id, v.version, v.snapshot->>'type' AS type, v.snapshot->>'title' AS title,
       (v.snapshot->>'confidence')::float8 AS confidence
FROM atom_versions v JOIN atoms a ON a.id = v.atom_id
WHERE v.state = 'proposed' AND NOT a.archived
  AND (cardinality($1::text[]) = 0 OR v.snapshot->>'type' = ANY($1::text[]))
  AND round((v.snapshot->>'confidence')::numeric, 6) >= round($2::numeric, 6)
  AND ($3::uuid IS NULL OR EXISTS (
        SELECT 1 FROM extraction_runs r
        WHERE r.id = coalesce(v.extraction_run_id, a.extraction_run_id) AND r.schedule_id = $3))
ORDER BY v.created_at, v.atom_id, v.version
"""


class RuleCreate(msgspec.Struct, forbid_unknown_fields=True):
    schedule_id: UUID | None = None  # none: a global rule
    atom_types: list[AtomType] = []  # empty: every type
    min_confidence: Confidence = 0.8
    active: bool = True


class RuleUpdate(msgspec.Struct, forbid_unknown_fields=True):
    schedule_id: UUID | msgspec.UnsetType | None = UNSET
    atom_types: list[AtomType] | msgspec.UnsetType = UNSET
    min_confidence: Confidence | msgspec.UnsetType = UNSET
    active: bool | msgspec.UnsetType = UNSET


async def _check_schedule(pool: Any, schedule_id: Any) -> None:
    if schedule_id is not None and not await pool.fetchval(
        "SELECT 1 FROM scheduled_extractions WHERE id = $1", schedule_id
    ):
        raise ClientException(detail=f"no schedule {schedule_id}", extra=[{"field": "schedule_id"}])


async def dry_run(pool: Any, atom_types: list[str], min_confidence: float, schedule_id: Any) -> DryRun:
    rows = await pool.fetch(_DRY_RUN_SQL, list(dict.fromkeys(atom_types)), min_confidence, schedule_id)
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    return shaped({"count": len(rows), "by_type": by_type, "sample": [dict(r) for r in rows[:SAMPLE]]}, DryRun)


async def _publish(request: Request[Any, Any, Any], rule_id: str, fields: dict[str, Any], event_type: str) -> Any:
    schedule_id = fields["schedule_id"]
    event = AutoApprovalRuleChanged(
        rule_id=rule_id, **{**fields, "schedule_id": str(schedule_id) if schedule_id else None}
    )
    return (await emit_applied(request.app.state, event, event_type=event_type)).envelope


class AutoApprovalRulesController(Controller):
    path = "/api/v1/knowledge/auto-approval-rules"
    tags = ["knowledge"]

    @get("/", operation_id="listAutoApprovalRules")
    async def list_rules(self, request: Request[Any, Any, Any], schedule: FromQuery[UUID | None] = None) -> list[Rule]:
        """Global rules first, then per schedule."""
        rows = await request.app.state.pool.fetch(
            f"SELECT {_COLUMNS} FROM auto_approval_rules WHERE ($1::uuid IS NULL OR schedule_id = $1)"
            " ORDER BY schedule_id NULLS FIRST, created_at, id",
            schedule,
        )
        return shaped([dict(r) for r in rows], list[Rule])

    @get("/{rule_id:uuid}", operation_id="getAutoApprovalRule")
    async def detail(self, request: Request[Any, Any, Any], rule_id: FromPath[UUID]) -> Rule:
        row = await request.app.state.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM auto_approval_rules WHERE id = $1", rule_id
        )
        if row is None:
            raise NotFoundException(f"no auto-approval rule {rule_id}")
        return shaped(dict(row), Rule)

    @post("/", operation_id="createAutoApprovalRule", guards=[requires_token], status_code=202)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[RuleCreate]) -> RuleChanged:
        fields = msgspec.structs.asdict(data)
        await _check_schedule(request.app.state.pool, data.schedule_id)
        rule_id = uuid7()
        envelope = await _publish(request, rule_id, fields, "knowledge.auto_approval_rule_created")
        return shaped({"id": rule_id, **fields, "event_id": envelope.id}, RuleChanged)

    @patch("/{rule_id:uuid}", operation_id="updateAutoApprovalRule", guards=[requires_token], status_code=202)
    async def update(
        self, request: Request[Any, Any, Any], rule_id: FromPath[UUID], data: JSONBody[RuleUpdate]
    ) -> RuleChanged:
        pool = request.app.state.pool
        row = await pool.fetchrow(
            "SELECT schedule_id, atom_types, min_confidence::float8 AS min_confidence, active"
            " FROM auto_approval_rules WHERE id = $1",
            rule_id,
        )
        if row is None:
            raise NotFoundException(f"no auto-approval rule {rule_id}")
        fields = {**dict(row), "min_confidence": round(row["min_confidence"], 6)}
        fields.update({k: v for k, v in msgspec.structs.asdict(data).items() if v is not UNSET})
        await _check_schedule(pool, fields["schedule_id"])
        envelope = await _publish(request, str(rule_id), fields, "knowledge.auto_approval_rule_updated")
        return shaped({"id": rule_id, **fields, "event_id": envelope.id}, RuleChanged)

    @delete("/{rule_id:uuid}", operation_id="deleteAutoApprovalRule", guards=[requires_token], status_code=202)
    async def remove(self, request: Request[Any, Any, Any], rule_id: FromPath[UUID]) -> Deleted:
        state = request.app.state
        if await state.pool.fetchval("SELECT 1 FROM auto_approval_rules WHERE id = $1", rule_id) is None:
            raise NotFoundException(f"no auto-approval rule {rule_id}")
        envelope = (await emit_applied(state, AutoApprovalRuleDeleted(rule_id=str(rule_id)))).envelope
        return Deleted(id=rule_id, deleted=True, event_id=envelope.id)

    @get("/{rule_id:uuid}/dry-run", operation_id="dryRunAutoApprovalRule")
    async def dry_run_saved(self, request: Request[Any, Any, Any], rule_id: FromPath[UUID]) -> DryRun:
        """How many currently proposed atom versions this rule would approve (nothing is approved)."""
        pool = request.app.state.pool
        row = await pool.fetchrow(
            "SELECT schedule_id, atom_types, min_confidence::float8 AS min_confidence FROM auto_approval_rules"
            " WHERE id = $1",
            rule_id,
        )
        if row is None:
            raise NotFoundException(f"no auto-approval rule {rule_id}")
        return await dry_run(pool, row["atom_types"], round(row["min_confidence"], 6), row["schedule_id"])

    @post("/dry-run", operation_id="dryRunAutoApprovalRuleDraft", status_code=200, opt={"scope": "read"})
    async def dry_run_draft(self, request: Request[Any, Any, Any], data: JSONBody[RuleCreate]) -> DryRun:
        """The same count for a rule not saved yet (changes nothing)."""
        pool = request.app.state.pool
        await _check_schedule(pool, data.schedule_id)
        return await dry_run(pool, list(data.atom_types), data.min_confidence, data.schedule_id)
