"""Agents (an LLM role bound to a provider and model): CRUD and run statistics.

The system agents (one per built-in role, seeded by migration 0002) can be edited but not deleted, and keep
their role: the stages look them up by it.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from services.gateway.api.admin_responses import Agent, AgentStats
from services.gateway.api.knowledge_responses import shaped
from services.gateway.auth import requires_token
from services.gateway.errors import bad_field, conflict, not_found
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.admin import AgentChanged, AgentDeleted, AgentRole

_COLUMNS = """id, name, role, provider_id, model, temperature, max_tokens, custom_prompt, active, is_system,
    created_at, updated_at"""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Model = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Temperature = Annotated[float, msgspec.Meta(ge=0, le=2)]
MaxTokens = Annotated[int, msgspec.Meta(ge=1, le=200_000)]
Prompt = Annotated[str, msgspec.Meta(max_length=20_000)]


class AgentCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    role: AgentRole
    provider_id: UUID | None = None
    model: Model | None = None
    temperature: Temperature = 0.2
    max_tokens: MaxTokens = 2048
    custom_prompt: Prompt | None = None
    active: bool = True


class AgentPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    role: AgentRole | msgspec.UnsetType = msgspec.UNSET
    provider_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    model: Model | msgspec.UnsetType | None = msgspec.UNSET
    temperature: Temperature | msgspec.UnsetType = msgspec.UNSET
    max_tokens: MaxTokens | msgspec.UnsetType = msgspec.UNSET
    custom_prompt: Prompt | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


def _out(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["id"] = str(row["id"])
    out["provider_id"] = str(row["provider_id"]) if row["provider_id"] else None
    out["temperature"] = round(row["temperature"], 4)  # a `real` column: 0.7 reads back as 0.699999988
    return out


async def _row(request: Request[Any, Any, Any], agent_id: UUID | str) -> dict[str, Any]:
    row = await request.app.state.pool.fetchrow(f"SELECT {_COLUMNS} FROM agents WHERE id = $1", agent_id)
    if row is None:
        raise not_found("agent", agent_id)
    return _out(row)


async def _check(request: Request[Any, Any, Any], name: str, provider_id: str | None, except_id: str | None) -> None:
    pool = request.app.state.pool
    if provider_id is not None and not await pool.fetchval("SELECT 1 FROM llm_providers WHERE id = $1", provider_id):
        raise bad_field("provider_id", f"no provider {provider_id}")
    taken = await pool.fetchval(
        "SELECT id FROM agents WHERE lower(name) = lower($1) AND id::text IS DISTINCT FROM $2", name, except_id
    )
    if taken is not None:
        raise conflict(f"an agent named {name!r} exists", agent_id=str(taken))


class AgentsController(Controller):
    path = "/api/v1/agents"
    tags = ["agents"]
    guards = [requires_token]

    @get("/", operation_id="listAgents")
    async def list_agents(
        self, request: Request[Any, Any, Any], role: FromQuery[AgentRole | None] = None
    ) -> list[Agent]:
        rows = await request.app.state.pool.fetch(
            f"SELECT {_COLUMNS} FROM agents WHERE ($1::text IS NULL OR role = $1) ORDER BY is_system DESC, name", role
        )
        return shaped([_out(r) for r in rows], list[Agent])

    @post("/", operation_id="createAgent", status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[AgentCreate]) -> Agent:
        provider_id = str(data.provider_id) if data.provider_id else None
        await _check(request, data.name, provider_id, None)
        agent_id = uuid7()
        fields = msgspec.structs.asdict(data) | {"provider_id": provider_id}
        await emit_applied(request.app.state, AgentChanged(agent_id=agent_id, **fields), event_type="agents.created")
        return shaped(await _row(request, agent_id), Agent)

    @get("/{agent_id:uuid}", operation_id="getAgent")
    async def detail(self, request: Request[Any, Any, Any], agent_id: FromPath[UUID]) -> Agent:
        return shaped(await _row(request, agent_id), Agent)

    @patch("/{agent_id:uuid}", operation_id="updateAgent")
    async def update(
        self, request: Request[Any, Any, Any], agent_id: FromPath[UUID], data: JSONBody[AgentPatch]
    ) -> Agent:
        current = await _row(request, agent_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "provider_id" in changes and changes["provider_id"] is not None:
            changes["provider_id"] = str(changes["provider_id"])
        if current["is_system"] and changes.get("role", current["role"]) != current["role"]:
            raise bad_field("role", "a system agent keeps its role (the stages look it up by role)")
        state = {k: current[k] for k in AgentChanged.__struct_fields__ if k in current} | changes
        await _check(request, state["name"], state["provider_id"], current["id"])
        await emit_applied(
            request.app.state, AgentChanged(agent_id=current["id"], **state), event_type="agents.updated"
        )
        return shaped(await _row(request, current["id"]), Agent)

    @delete("/{agent_id:uuid}", operation_id="deleteAgent", status_code=204)
    async def remove(self, request: Request[Any, Any, Any], agent_id: FromPath[UUID]) -> None:
        current = await _row(request, agent_id)
        if current["is_system"]:
            raise conflict(f"{current['name']} is a system agent: it can be edited or deactivated, not deleted")
        await emit_applied(request.app.state, AgentDeleted(agent_id=current["id"]))

    @get("/{agent_id:uuid}/stats", operation_id="getAgentStats")
    async def stats(self, request: Request[Any, Any, Any], agent_id: FromPath[UUID]) -> AgentStats:
        """Over the agent's extraction and analysis runs: success rate (completed among finished runs),
        runs and items produced (atoms + topics, or proposals) in the last 24 h and overall, mean duration."""
        current = await _row(request, agent_id)
        row = await request.app.state.pool.fetchrow(
            """
            WITH runs AS (
                SELECT status, created_at, started_at, completed_at, atoms_created + topics_created AS items
                FROM extraction_runs WHERE agent_id = $1
                UNION ALL
                SELECT CASE WHEN status = 'closed' THEN 'completed' ELSE status END, created_at, started_at,
                       completed_at, proposals_total
                FROM analysis_runs WHERE agent_id = $1
            )
            SELECT count(*) AS runs_total,
                   count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS runs_24h,
                   count(*) FILTER (WHERE status = 'completed') AS completed,
                   count(*) FILTER (WHERE status = 'failed') AS failed,
                   avg(extract(epoch FROM completed_at - started_at))
                       FILTER (WHERE status = 'completed') AS mean_duration_s,
                   coalesce(sum(items), 0) AS items_total,
                   coalesce(sum(items) FILTER (WHERE created_at > now() - interval '24 hours'), 0) AS items_24h
            FROM runs
            """,
            current["id"],
        )
        finished = row["completed"] + row["failed"]
        body = {
            "agent_id": current["id"],
            "role": current["role"],
            "runs_total": row["runs_total"],
            "runs_24h": row["runs_24h"],
            "runs_completed": row["completed"],
            "runs_failed": row["failed"],
            "success_rate": row["completed"] / finished if finished else None,
            "mean_duration_s": float(row["mean_duration_s"]) if row["mean_duration_s"] is not None else None,
            "items_produced_total": int(row["items_total"]),
            "items_produced_24h": int(row["items_24h"]),
        }
        return shaped(body, AgentStats)
