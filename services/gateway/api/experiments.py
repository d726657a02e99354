"""Classification experiments: how well the topic_classifier agent names the topics people already gave messages."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody, Parameter

from services.gateway.auth import requires_token
from services.gateway.errors import bad_field, conflict, not_found
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.admin import ExperimentCreated, ExperimentDeleted
from shared.contracts.commands import RunExperiment
from shared.llm.agents import TOPIC_CLASSIFIER_AGENT_ID

_SUMMARY = """id, agent_id, provider_id, model, sample_size, status, processed, accuracy, avg_confidence,
    avg_latency_ms, error, created_at, started_at, completed_at, updated_at"""


class ExperimentCreate(msgspec.Struct, forbid_unknown_fields=True):
    sample_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    agent_id: UUID | None = None  # default: the system topic_classifier agent


def _out(row: Any) -> dict[str, Any]:
    out = dict(row)
    for column in ("id", "agent_id", "provider_id"):
        out[column] = str(row[column]) if row[column] else None
    for column in ("accuracy", "avg_confidence", "avg_latency_ms"):  # `real` columns: 0.8 reads as 0.800000011
        out[column] = round(row[column], 4) if row[column] is not None else None
    return out


class ExperimentsController(Controller):
    path = "/api/v1/experiments"
    tags = ["experiments"]
    guards = [requires_token]

    @post("/", operation_id="createExperiment", status_code=202)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ExperimentCreate]) -> dict[str, Any]:
        """Start an experiment over a sample of messages that have a topic; watch `experiments` for progress."""
        pool = request.app.state.pool
        agent_id = str(data.agent_id or TOPIC_CLASSIFIER_AGENT_ID)
        agent = await pool.fetchrow("SELECT role, provider_id, model FROM agents WHERE id = $1", agent_id)
        if agent is None:
            raise bad_field("agent_id", f"no agent {agent_id}")
        if agent["role"] != "topic_classifier":
            raise bad_field("agent_id", f"agent {agent_id} has role {agent['role']}, not topic_classifier")
        experiment_id = uuid7()
        created = await emit_applied(
            request.app.state,
            ExperimentCreated(
                experiment_id=experiment_id,
                sample_size=data.sample_size,
                agent_id=agent_id,
                provider_id=str(agent["provider_id"]) if agent["provider_id"] else None,
                model=agent["model"],
            ),
        )
        command = RunExperiment(experiment_id=experiment_id, sample_size=data.sample_size, agent_id=agent_id)
        await request.app.state.publisher.emit(
            command, caused_by=created.envelope, msg_id=f"experiment:{experiment_id}"
        )
        return await self._row(request, experiment_id, full=False)

    @get("/", operation_id="listExperiments")
    async def list_experiments(
        self, request: Request[Any, Any, Any], limit: Annotated[int, Parameter(ge=1, le=200)] = 50
    ) -> list[dict[str, Any]]:
        rows = await request.app.state.pool.fetch(
            f"SELECT {_SUMMARY} FROM classification_experiments ORDER BY created_at DESC LIMIT $1", limit
        )
        return [_out(r) for r in rows]

    @get("/{experiment_id:uuid}", operation_id="getExperiment")
    async def detail(self, request: Request[Any, Any, Any], experiment_id: FromPath[UUID]) -> dict[str, Any]:
        """With the confusion matrix (actual → predicted → count), per-message results and the topics snapshot."""
        return await self._row(request, experiment_id, full=True)

    @delete("/{experiment_id:uuid}", operation_id="deleteExperiment", status_code=204)
    async def remove(self, request: Request[Any, Any, Any], experiment_id: FromPath[UUID]) -> None:
        row = await self._row(request, experiment_id, full=False)
        if row["status"] == "running":
            raise conflict(f"experiment {row['id']} is running; delete it once it ends", status="running")
        await emit_applied(request.app.state, ExperimentDeleted(experiment_id=row["id"]))

    async def _row(self, request: Request[Any, Any, Any], experiment_id: UUID | str, *, full: bool) -> dict[str, Any]:
        columns = _SUMMARY + (", confusion, results, topics_snapshot" if full else "")
        row = await request.app.state.pool.fetchrow(
            f"SELECT {columns} FROM classification_experiments WHERE id = $1", experiment_id
        )
        if row is None:
            raise not_found("experiment", experiment_id)
        return _out(row)
