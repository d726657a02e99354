"""Task proposals under review: list, detail with the supporting messages, edit while pending, approve (a task is
created), reject (a reason is required), merge into an existing task (the task gains the evidence).

A proposal is reviewed once: reviewing one that is no longer pending is a 409 naming its status.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from services.gateway.api.responses import Proposal, ProposalDetail, ProposalReviewed, shaped
from services.gateway.api.rows import one_row, text_ids
from services.gateway.api.tasks import check_references, messages_for, task_row
from services.gateway.auth import REVIEW, requires_token
from services.gateway.errors import bad_field, conflict
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.common import Priority, TaskCategory
from shared.contracts.tasks import ProposalApproved, ProposalMerged, ProposalRejected, ProposalUpdated, TaskCreated

_COLUMNS = """id, run_id, title, description, priority, category, project_id, tags, confidence, reasoning,
    recommendation, source_message_keys, atom_ids, similar_task_id, similarity, status, task_id, review_notes,
    reviewer, reviewed_at, created_at, updated_at"""
ProposalStatus = Literal["pending", "approved", "rejected", "merged"]
Recommendation = Literal["new_task", "update_existing", "merge", "reject"]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Reviewer = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Tags = Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]], msgspec.Meta(max_length=50)]


class ProposalPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    category: TaskCategory | msgspec.UnsetType = msgspec.UNSET
    project_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET


class Approval(msgspec.Struct, forbid_unknown_fields=True):
    reviewer: Reviewer = "api"
    notes: Text | None = None
    assignee: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class Rejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=r"\S")]
    reviewer: Reviewer = "api"


class Merge(msgspec.Struct, forbid_unknown_fields=True):
    task_id: UUID
    reviewer: Reviewer = "api"
    notes: Text | None = None


_IDS = ("id", "run_id", "project_id", "similar_task_id", "task_id", "atom_ids")


async def _row(request: Request[Any, Any, Any], proposal_id: UUID | str) -> dict[str, Any]:
    sql = f"SELECT {_COLUMNS} FROM task_proposals WHERE id = $1"
    return text_ids(await one_row(request.app.state.pool, sql, proposal_id, "proposal"), *_IDS)


def _pending(proposal: dict[str, Any]) -> None:
    if proposal["status"] != "pending":
        raise conflict(
            f"proposal {proposal['id']} is already {proposal['status']}",
            status=proposal["status"],
            task_id=proposal["task_id"],
        )


async def _review_once(state: Any, proposal_id: str, event: ProposalRejected | ProposalMerged) -> None:
    """Publish the review; the per-proposal msg id makes a second review (from another gateway) a 409."""
    written = await emit_applied(state, event, msg_id=f"proposal-review:{proposal_id}")
    if written.duplicate:
        raise conflict(f"proposal {proposal_id} was already reviewed")


class ProposalsController(Controller):
    path = "/api/v1/proposals"
    tags = ["proposals"]
    guards = [requires_token]
    opt = REVIEW  # reviewers decide proposals and move tasks

    @get("/", operation_id="listProposals")
    async def list_proposals(
        self,
        request: Request[Any, Any, Any],
        run_id: FromQuery[UUID | None] = None,
        status: FromQuery[ProposalStatus | None] = None,
        project_id: FromQuery[UUID | None] = None,
        recommendation: FromQuery[Recommendation | None] = None,
        min_confidence: Annotated[float | None, Parameter(ge=0, le=1)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> list[Proposal]:
        rows = await request.app.state.pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM task_proposals
            WHERE ($1::uuid IS NULL OR run_id = $1) AND ($2::text IS NULL OR status = $2)
              AND ($3::uuid IS NULL OR project_id = $3) AND ($4::text IS NULL OR recommendation = $4)
              AND ($5::real IS NULL OR confidence >= $5)
            ORDER BY created_at, id LIMIT $6 OFFSET $7
            """,
            run_id,
            status,
            project_id,
            recommendation,
            min_confidence,
            limit,
            offset,
        )
        return shaped([text_ids(r, *_IDS) for r in rows], list[Proposal])  # type: ignore[no-any-return]

    @get("/{proposal_id:uuid}", operation_id="getProposal")
    async def detail(self, request: Request[Any, Any, Any], proposal_id: FromPath[UUID]) -> ProposalDetail:
        """The proposal with its supporting messages and the similar task, if any."""
        proposal = await _row(request, proposal_id)
        pool = request.app.state.pool
        similar = None
        if proposal["similar_task_id"]:
            similar = await task_row(request, proposal["similar_task_id"])
        detail = {
            **proposal,
            "messages": await messages_for(pool, proposal["source_message_keys"]),
            "similar_task": similar,
        }
        return shaped(detail, ProposalDetail)  # type: ignore[no-any-return]

    @patch("/{proposal_id:uuid}", operation_id="updateProposal")
    async def update(
        self, request: Request[Any, Any, Any], proposal_id: FromPath[UUID], data: JSONBody[ProposalPatch]
    ) -> Proposal:
        state = request.app.state
        async with state.locks.hold(str(proposal_id)):
            current = await _row(request, proposal_id)
            _pending(current)
            changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
            if changes.get("project_id") is not None:
                await check_references(request, changes["project_id"])
                changes["project_id"] = str(changes["project_id"])
            changes = {k: v for k, v in changes.items() if v != current[k]}
            if changes:
                await emit_applied(state, ProposalUpdated(proposal_id=current["id"], changes=changes))
            return shaped(await _row(request, current["id"]), Proposal)  # type: ignore[no-any-return]

    @post("/{proposal_id:uuid}/approve", operation_id="approveProposal", status_code=200)
    async def approve(
        self, request: Request[Any, Any, Any], proposal_id: FromPath[UUID], data: JSONBody[Approval | None] = None
    ) -> ProposalReviewed:
        """Create a task from the proposal (tasks.created, then proposals.approved); returns both."""
        state, data = request.app.state, data or Approval()
        async with state.locks.hold(str(proposal_id)):
            proposal = await _row(request, proposal_id)
            _pending(proposal)
            pid = proposal["id"]
            task = TaskCreated(
                task_id=uuid7(),
                title=proposal["title"],
                description=proposal["description"],
                priority=proposal["priority"],
                category=proposal["category"],
                project_id=proposal["project_id"],
                assignee=data.assignee,
                source_message_keys=proposal["source_message_keys"],
                atom_ids=proposal["atom_ids"],
                proposal_id=pid,
            )
            # The msg ids make a second review of the proposal (from another gateway) a duplicate on the stream.
            created = await emit_applied(state, task, msg_id=f"proposal-task:{pid}")
            if created.duplicate:
                raise conflict(f"proposal {pid} is already being reviewed")
            approved = ProposalApproved(proposal_id=pid, task_id=task.task_id, reviewer=data.reviewer, notes=data.notes)
            await emit_applied(state, approved, caused_by=created.envelope, msg_id=f"proposal-review:{pid}")
            reviewed = {"proposal": await _row(request, pid), "task": await task_row(request, task.task_id)}
            return shaped(reviewed, ProposalReviewed)  # type: ignore[no-any-return]

    @post("/{proposal_id:uuid}/reject", operation_id="rejectProposal", status_code=200)
    async def reject(
        self, request: Request[Any, Any, Any], proposal_id: FromPath[UUID], data: JSONBody[Rejection]
    ) -> Proposal:
        state = request.app.state
        async with state.locks.hold(str(proposal_id)):
            proposal = await _row(request, proposal_id)
            _pending(proposal)
            event = ProposalRejected(proposal_id=proposal["id"], reviewer=data.reviewer, reason=data.reason.strip())
            await _review_once(state, proposal["id"], event)
            return shaped(await _row(request, proposal["id"]), Proposal)  # type: ignore[no-any-return]

    @post("/{proposal_id:uuid}/merge", operation_id="mergeProposal", status_code=200)
    async def merge(
        self, request: Request[Any, Any, Any], proposal_id: FromPath[UUID], data: JSONBody[Merge]
    ) -> ProposalReviewed:
        """Merge into an existing task: the task gains the proposal's messages and atoms (proposals.merged)."""
        state = request.app.state
        async with state.locks.hold(str(proposal_id)):
            proposal = await _row(request, proposal_id)
            _pending(proposal)
            if not await state.pool.fetchval("SELECT 1 FROM tasks WHERE id = $1", data.task_id):
                raise bad_field("task_id", f"no task {data.task_id}")
            target = await task_row(request, data.task_id)
            event = ProposalMerged(
                proposal_id=proposal["id"],
                task_id=target["id"],
                reviewer=data.reviewer,
                notes=data.notes,
                source_message_keys=proposal["source_message_keys"],
                atom_ids=proposal["atom_ids"],
            )
            await _review_once(state, proposal["id"], event)
            reviewed = {"proposal": await _row(request, proposal["id"]), "task": await task_row(request, target["id"])}
            return shaped(reviewed, ProposalReviewed)  # type: ignore[no-any-return]
