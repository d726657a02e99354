"""LLM providers: CRUD, validation against the provider's model list, and the models it offers.

The API key is accepted on create/update, encrypted at rest and never returned: responses say `has_api_key`.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from services.gateway.api.admin_responses import Provider, ProviderModels
from services.gateway.api.knowledge_responses import shaped
from services.gateway.auth import requires_token
from services.gateway.errors import bad_field, conflict, not_found
from services.gateway.providers import models as provider_models
from services.gateway.providers import secrets
from services.gateway.writes import emit_applied
from shared.contracts import uuid7
from shared.contracts.admin import (
    ProviderChanged,
    ProviderDeleted,
    ProviderType,
    ProviderValidated,
    ProviderValidationStarted,
)
from shared.crypto import SecretBox, SecretError

LOCAL_PROVIDER_ID = "00000000-0000-4000-8000-000000000001"
_COLUMNS = """id, name, type, base_url, active, api_key_encrypted IS NOT NULL AS has_api_key, validation_status,
    validation_error, validated_at, models, created_at, updated_at"""
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Url = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://\S+$")]
ApiKey = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class ProviderCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    type: ProviderType
    base_url: Url | None = None
    api_key: ApiKey | None = None
    active: bool = True


class ProviderPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    base_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    api_key: ApiKey | msgspec.UnsetType | None = msgspec.UNSET  # null removes the stored key
    active: bool | msgspec.UnsetType = msgspec.UNSET


def _check_shape(provider_type: str, base_url: str | None, has_key: bool) -> None:
    if provider_type == "openai_compatible" and not base_url:
        raise bad_field("base_url", "an openai_compatible provider needs its base_url")
    if provider_type == "local" and (base_url or has_key):
        raise bad_field("type", "the local provider runs in process: no base_url or api_key")


def _box(request: Request[Any, Any, Any]) -> SecretBox:
    try:
        return SecretBox(request.app.state.settings.secret_key)
    except SecretError:
        raise bad_field("api_key", "TT_SECRET_KEY is not set on the gateway, so keys cannot be stored") from None


async def _row(request: Request[Any, Any, Any], provider_id: UUID | str) -> dict[str, Any]:
    row = await request.app.state.pool.fetchrow(f"SELECT {_COLUMNS} FROM llm_providers WHERE id = $1", provider_id)
    if row is None:
        raise not_found("provider", provider_id)
    return {**dict(row), "id": str(row["id"])}


async def _name_taken(request: Request[Any, Any, Any], name: str, except_id: str | None = None) -> None:
    taken = await request.app.state.pool.fetchval(
        "SELECT id FROM llm_providers WHERE lower(name) = lower($1) AND id::text IS DISTINCT FROM $2", name, except_id
    )
    if taken is not None:
        raise conflict(f"a provider named {name!r} exists", provider_id=str(taken))


class ProvidersController(Controller):
    path = "/api/v1/providers"
    tags = ["providers"]
    guards = [requires_token]

    @get("/", operation_id="listProviders")
    async def list_providers(self, request: Request[Any, Any, Any]) -> list[Provider]:
        rows = await request.app.state.pool.fetch(f"SELECT {_COLUMNS} FROM llm_providers ORDER BY name")
        return shaped([dict(r) for r in rows], list[Provider])

    @post("/", operation_id="createProvider", status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ProviderCreate]) -> Provider:
        """Create a provider (status `pending`); POST …/validate asks it for its models."""
        _check_shape(data.type, data.base_url, data.api_key is not None)
        await _name_taken(request, data.name)
        provider_id = uuid7()
        if data.api_key is not None:
            await secrets.store(request.app.state.pool, _box(request), provider_id, data.api_key)
        event = ProviderChanged(
            provider_id=provider_id,
            name=data.name,
            type=data.type,
            base_url=data.base_url,
            active=data.active,
            has_api_key=data.api_key is not None,
        )
        await emit_applied(request.app.state, event, event_type="providers.created")
        return shaped(await _row(request, provider_id), Provider)

    @get("/{provider_id:uuid}", operation_id="getProvider")
    async def detail(self, request: Request[Any, Any, Any], provider_id: FromPath[UUID]) -> Provider:
        return shaped(await _row(request, provider_id), Provider)

    @patch("/{provider_id:uuid}", operation_id="updateProvider")
    async def update(
        self, request: Request[Any, Any, Any], provider_id: FromPath[UUID], data: JSONBody[ProviderPatch]
    ) -> Provider:
        """Change a provider; a new base_url or key sets the status back to `pending`."""
        current = await _row(request, provider_id)
        pid = current["id"]
        name = current["name"] if data.name is msgspec.UNSET else data.name
        base_url = current["base_url"] if data.base_url is msgspec.UNSET else data.base_url
        has_key = current["has_api_key"] if data.api_key is msgspec.UNSET else data.api_key is not None
        _check_shape(current["type"], base_url, has_key)
        if pid == LOCAL_PROVIDER_ID and name != "local":
            raise bad_field("name", "the built-in local provider keeps its name")
        await _name_taken(request, name, pid)
        pool = request.app.state.pool
        if isinstance(data.api_key, str):
            await secrets.store(pool, _box(request), pid, data.api_key)
        elif data.api_key is None:
            await secrets.delete(pool, pid)
        event = ProviderChanged(
            provider_id=pid,
            name=name,
            type=current["type"],
            base_url=base_url,
            active=current["active"] if data.active is msgspec.UNSET else data.active,
            has_api_key=has_key,
        )
        await emit_applied(request.app.state, event, event_type="providers.updated")
        return shaped(await _row(request, pid), Provider)

    @delete("/{provider_id:uuid}", operation_id="deleteProvider", status_code=204)
    async def remove(self, request: Request[Any, Any, Any], provider_id: FromPath[UUID]) -> None:
        """Delete a provider and its stored key; agents that used it fall back to no provider."""
        current = await _row(request, provider_id)
        if current["id"] == LOCAL_PROVIDER_ID:
            raise conflict("the built-in local provider cannot be deleted")
        await emit_applied(request.app.state, ProviderDeleted(provider_id=current["id"]))
        await secrets.delete(request.app.state.pool, current["id"])

    @post("/{provider_id:uuid}/validate", operation_id="validateProvider", status_code=200)
    async def validate(self, request: Request[Any, Any, Any], provider_id: FromPath[UUID]) -> Provider:
        """Ask the provider for its model list (10 s timeout): status `validating`, then `connected` or `error`."""
        current = await _row(request, provider_id)
        await validate_provider(request, current)
        return shaped(await _row(request, current["id"]), Provider)

    @get("/{provider_id:uuid}/models", operation_id="listProviderModels")
    async def models(self, request: Request[Any, Any, Any], provider_id: FromPath[UUID]) -> ProviderModels:
        """The models found by the last validation; a provider never validated is validated first."""
        current = await _row(request, provider_id)
        if current["validation_status"] == "pending":
            await validate_provider(request, current)
            current = await _row(request, current["id"])
        fields = ("validation_status", "validation_error", "validated_at", "models")
        return shaped({"provider_id": current["id"], **{f: current[f] for f in fields}}, ProviderModels)


async def validate_provider(request: Request[Any, Any, Any], provider: dict[str, Any]) -> None:
    state = request.app.state
    pid = provider["id"]
    started = await emit_applied(state, ProviderValidationStarted(provider_id=pid))
    try:
        box = SecretBox(state.settings.secret_key) if provider["has_api_key"] else None
        api_key = await secrets.load(state.pool, box, pid) if box is not None else None
        found = await provider_models.list_models(provider["type"], provider["base_url"], api_key)
        outcome = ProviderValidated(provider_id=pid, status="connected", models=found)
    except (provider_models.ProviderUnreachable, SecretError) as exc:
        outcome = ProviderValidated(provider_id=pid, status="error", error=str(exc))
    await emit_applied(state, outcome, caused_by=started.envelope)
