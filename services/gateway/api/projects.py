"""Projects: keywords, glossary, components and priority rules that steer the analysis prefilter and prompts."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from services.gateway.api.admin_responses import Project
from services.gateway.api.knowledge_responses import shaped
from services.gateway.auth import requires_token
from services.gateway.errors import conflict, not_found
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.admin import ProjectChanged, ProjectDeleted
from shared.contracts.common import Priority

_COLUMNS = """id, name, description, keywords, glossary, components, priority_rules, language, active, created_at,
    updated_at"""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Word = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Words = Annotated[list[Word], msgspec.Meta(max_length=500)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]


class Component(msgspec.Struct, forbid_unknown_fields=True):
    name: Word
    keywords: Words = []


class PriorityRule(msgspec.Struct, forbid_unknown_fields=True):
    """Messages matching any keyword make a proposal at least this priority."""

    keywords: Annotated[list[Word], msgspec.Meta(min_length=1, max_length=100)]
    priority: Priority


Glossary = Annotated[dict[Word, Text], msgspec.Meta(max_length=1000)]
Components = Annotated[list[Component], msgspec.Meta(max_length=200)]
PriorityRules = Annotated[list[PriorityRule], msgspec.Meta(max_length=200)]
Language = Literal["uk", "ru", "en"]


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""
    keywords: Words = []
    glossary: Glossary = {}
    components: Components = []
    priority_rules: PriorityRules = []
    language: Language | None = None
    active: bool = True


class ProjectPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    keywords: Words | msgspec.UnsetType = msgspec.UNSET
    glossary: Glossary | msgspec.UnsetType = msgspec.UNSET
    components: Components | msgspec.UnsetType = msgspec.UNSET
    priority_rules: PriorityRules | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


def _event(project_id: str, fields: dict[str, Any]) -> ProjectChanged:
    # Structs (components, rules) travel as plain JSON objects.
    return ProjectChanged(project_id=project_id, **msgspec.to_builtins(fields))


async def _row(request: Request[Any, Any, Any], project_id: UUID | str) -> dict[str, Any]:
    row = await request.app.state.pool.fetchrow(f"SELECT {_COLUMNS} FROM projects WHERE id = $1", project_id)
    if row is None:
        raise not_found("project", project_id)
    return {**dict(row), "id": str(row["id"])}


async def _name_taken(request: Request[Any, Any, Any], name: str, except_id: str | None = None) -> None:
    taken = await request.app.state.pool.fetchval(
        "SELECT id FROM projects WHERE lower(name) = lower($1) AND id::text IS DISTINCT FROM $2", name, except_id
    )
    if taken is not None:
        raise conflict(f"a project named {name!r} exists", project_id=str(taken))


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]
    guards = [requires_token]

    @get("/", operation_id="listProjects")
    async def list_projects(self, request: Request[Any, Any, Any]) -> list[Project]:
        rows = await request.app.state.pool.fetch(f"SELECT {_COLUMNS} FROM projects ORDER BY name")
        return shaped([dict(r) for r in rows], list[Project])

    @post("/", operation_id="createProject", status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ProjectCreate]) -> Project:
        await _name_taken(request, data.name)
        project_id = uuid7()
        event = _event(project_id, msgspec.structs.asdict(data))
        await emit_applied(request.app.state, event, event_type="projects.created")
        return shaped(await _row(request, project_id), Project)

    @get("/{project_id:uuid}", operation_id="getProject")
    async def detail(self, request: Request[Any, Any, Any], project_id: FromPath[UUID]) -> Project:
        return shaped(await _row(request, project_id), Project)

    @patch("/{project_id:uuid}", operation_id="updateProject")
    async def update(
        self, request: Request[Any, Any, Any], project_id: FromPath[UUID], data: JSONBody[ProjectPatch]
    ) -> Project:
        current = await _row(request, project_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        state = {k: current[k] for k in ProjectChanged.__struct_fields__ if k in current} | changes
        await _name_taken(request, state["name"], current["id"])
        await emit_applied(request.app.state, _event(current["id"], state), event_type="projects.updated")
        return shaped(await _row(request, current["id"]), Project)

    @delete("/{project_id:uuid}", operation_id="deleteProject", status_code=204)
    async def remove(self, request: Request[Any, Any, Any], project_id: FromPath[UUID]) -> None:
        """Delete a project; its tasks, proposals and runs keep existing without a project."""
        current = await _row(request, project_id)
        await emit_applied(request.app.state, ProjectDeleted(project_id=current["id"]))
