"""Tasks: CRUD, status changes, assignee, and the messages, atoms and proposals behind each task."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from services.gateway.api.responses import Task, shaped
from services.gateway.api.rows import one_row, text_ids
from services.gateway.auth import REVIEW
from services.gateway.errors import bad_field
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.common import Priority, TaskCategory, TaskStatus
from shared.contracts.tasks import TaskCreated, TaskDeleted, TaskStatusChanged, TaskUpdated

TASK_COLUMNS = """t.id, t.title, t.description, t.status, t.priority, t.category, t.project_id, t.assignee,
    t.source_message_keys, t.atom_ids, t.proposal_id, t.created_at, t.updated_at"""
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Assignee = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
MessageKeys = Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]], msgspec.Meta(max_length=500)]
AtomIds = Annotated[list[UUID], msgspec.Meta(max_length=500)]


class TaskCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    description: Text = ""
    priority: Priority = "medium"
    category: TaskCategory = "feature"
    project_id: UUID | None = None
    assignee: Assignee | None = None
    source_message_keys: MessageKeys = []
    atom_ids: AtomIds = []


class TaskPatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    category: TaskCategory | msgspec.UnsetType = msgspec.UNSET
    project_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    assignee: Assignee | msgspec.UnsetType | None = msgspec.UNSET


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: TaskStatus


_IDS = ("id", "project_id", "proposal_id", "atom_ids")


async def task_row(request: Request[Any, Any, Any], task_id: UUID | str) -> dict[str, Any]:
    sql = f"SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = $1"
    return text_ids(await one_row(request.app.state.pool, sql, task_id, "task"), *_IDS)


async def check_references(
    request: Request[Any, Any, Any], project_id: UUID | str | None = None, message_keys: list[str] | None = None
) -> None:
    """400 naming the field when a referenced project or message does not exist."""
    pool = request.app.state.pool
    if project_id is not None and not await pool.fetchval("SELECT 1 FROM projects WHERE id = $1", project_id):
        raise bad_field("project_id", f"no project {project_id}")
    if message_keys:
        known = await pool.fetch("SELECT key FROM messages WHERE key = ANY($1::text[])", message_keys)
        missing = sorted(set(message_keys) - {r["key"] for r in known})
        if missing:
            raise bad_field("source_message_keys", f"unknown messages: {', '.join(missing[:10])}")


async def messages_for(pool: Any, keys: list[str]) -> list[dict[str, Any]]:
    """The messages behind a task or proposal, in the order they were cited."""
    rows = await pool.fetch(
        """
        SELECT m.key, m.chat_id, m.message_id, m.text, m.sent_at, m.language, m.importance_score,
               coalesce(m.classification_override, m.classification) AS classification,
               p.display_name AS author
        FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n)
        JOIN messages m ON m.key = k.key
        LEFT JOIN profiles p ON p.id = m.author_id
        ORDER BY k.n
        """,
        keys,
    )
    return [dict(r) for r in rows]


class TasksController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]
    opt = REVIEW  # reviewers decide proposals and move tasks

    @get("/", operation_id="listTasks")
    async def list_tasks(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[TaskStatus | None] = None,
        project_id: FromQuery[UUID | None] = None,
        assignee: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        offset: Annotated[int, Parameter(ge=0)] = 0,
    ) -> list[Task]:
        rows = await request.app.state.pool.fetch(
            f"""
            SELECT {TASK_COLUMNS} FROM tasks t
            WHERE ($1::text IS NULL OR t.status = $1) AND ($2::uuid IS NULL OR t.project_id = $2)
              AND ($3::text IS NULL OR t.assignee = $3)
              AND ($4::text IS NULL OR t.title ILIKE '%' || $4 || '%' OR t.description ILIKE '%' || $4 || '%')
            ORDER BY t.updated_at DESC, t.id LIMIT $5 OFFSET $6
            """,
            status,
            project_id,
            assignee,
            q,
            limit,
            offset,
        )
        return shaped([text_ids(r, *_IDS) for r in rows], list[Task])  # type: ignore[no-any-return]

    @post("/", operation_id="createTask", status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[TaskCreate]) -> Task:
        await check_references(request, data.project_id, data.source_message_keys)
        task_id = uuid7()
        event = TaskCreated(
            task_id=task_id,
            title=data.title.strip(),
            description=data.description,
            priority=data.priority,
            category=data.category,
            project_id=str(data.project_id) if data.project_id else None,
            assignee=data.assignee,
            source_message_keys=data.source_message_keys,
            atom_ids=[str(a) for a in data.atom_ids],
        )
        await emit_applied(request.app.state, event)
        return shaped(await task_row(request, task_id), Task)  # type: ignore[no-any-return]

    @get("/{task_id:uuid}", operation_id="getTask")
    async def detail(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> dict[str, Any]:
        """The task with the messages it cites, the atoms behind it (by id, or citing the same messages) and the
        proposals approved into it or merged into it."""
        task = await task_row(request, task_id)
        pool = request.app.state.pool
        atoms = await pool.fetch(
            """
            SELECT id, type, title, confidence, source_message_keys FROM atoms
            WHERE id = ANY($1::uuid[]) OR source_message_keys && $2::text[]
            ORDER BY created_at
            """,
            task["atom_ids"],
            task["source_message_keys"],
        )
        proposals = await pool.fetch(
            "SELECT id, run_id, status, title, reviewer, reviewed_at FROM task_proposals WHERE task_id = $1"
            " ORDER BY reviewed_at",
            task_id,
        )
        return {
            **task,
            "messages": await messages_for(pool, task["source_message_keys"]),
            "atoms": [{**dict(a), "id": str(a["id"])} for a in atoms],
            "proposals": [{**dict(p), "id": str(p["id"]), "run_id": str(p["run_id"])} for p in proposals],
        }

    @patch("/{task_id:uuid}", operation_id="updateTask")
    async def update(self, request: Request[Any, Any, Any], task_id: FromPath[UUID], data: JSONBody[TaskPatch]) -> Task:
        """Edit fields (assignee included; null unassigns). Status has its own route."""
        current = await task_row(request, task_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if changes.get("project_id") is not None:
            await check_references(request, changes["project_id"])
            changes["project_id"] = str(changes["project_id"])
        changes = {k: v for k, v in changes.items() if v != current[k]}
        if changes:
            await emit_applied(request.app.state, TaskUpdated(task_id=current["id"], changes=changes))
        return shaped(await task_row(request, current["id"]), Task)  # type: ignore[no-any-return]

    @post("/{task_id:uuid}/status", operation_id="changeTaskStatus", status_code=200)
    async def change_status(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID], data: JSONBody[StatusChange]
    ) -> Task:
        """Move the task to open, in_progress, completed or closed (any order); the same status is a no-op."""
        current = await task_row(request, task_id)
        if data.status != current["status"]:
            event = TaskStatusChanged(task_id=current["id"], from_status=current["status"], to_status=data.status)
            await emit_applied(request.app.state, event)
        return shaped(await task_row(request, current["id"]), Task)  # type: ignore[no-any-return]

    @delete("/{task_id:uuid}", operation_id="deleteTask", status_code=204)
    async def remove(self, request: Request[Any, Any, Any], task_id: FromPath[UUID]) -> None:
        current = await task_row(request, task_id)
        await emit_applied(request.app.state, TaskDeleted(task_id=current["id"]))
