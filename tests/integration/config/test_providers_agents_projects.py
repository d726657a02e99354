"""Providers (keys sealed, validated against real local HTTP servers), agents and projects through the API."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar, Response, get

from services.gateway.projections import by_name
from services.gateway.projections.runner import replay
from shared.crypto import SecretBox
from shared.testing.gateway import GatewayHarness
from shared.testing.openai_server import OpenAICompatible
from shared.testing.running import serving

from .api import SECRET_KEY, gateway, ok

API_KEY = "sk-test-1234567890-very-secret"
SYSTEM_AGENTS = {"knowledge-extractor", "importance-scorer", "task-proposer", "topic-classifier"}


@get("/v1/models")
async def unauthorised() -> Response[dict[str, Any]]:
    """A provider that refuses the key, in OpenAI's error shape."""
    error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
    return Response({"error": error}, status_code=401)


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _no_key(value: Any) -> None:
    assert API_KEY not in str(value)


async def test_provider_crud_keeps_the_key_sealed_and_validates_against_the_models_list(
    harness: GatewayHarness,
) -> None:
    server = OpenAICompatible(reply=lambda body: "{}", model="qwen-test")
    async with serving(server.app(), health_path="/health") as llm_base, gateway(harness) as client:
        created = ok(
            await client.post(
                "/api/v1/providers/",
                json={"name": "lab", "type": "openai_compatible", "base_url": f"{llm_base}/v1", "api_key": API_KEY},
            ),
            201,
        )
        _no_key(created)
        assert created["has_api_key"] is True and created["validation_status"] == "pending"
        assert "api_key" not in created and "api_key_encrypted" not in created
        pid = created["id"]

        # Stored encrypted, readable with TT_SECRET_KEY, copied into llm_providers for the stages.
        stored = await harness.pool.fetchval("SELECT api_key_encrypted FROM llm_providers WHERE id = $1", pid)  # type: ignore[attr-defined]
        assert stored is not None and API_KEY.encode() not in bytes(stored)
        assert SecretBox(SECRET_KEY).decrypt(stored) == API_KEY

        validated = ok(await client.post(f"/api/v1/providers/{pid}/validate"))
        assert validated["validation_status"] == "connected", validated
        assert validated["models"] == ["qwen-test"] and validated["validated_at"]
        models = ok(await client.get(f"/api/v1/providers/{pid}/models"))
        assert models["models"] == ["qwen-test"] and models["validation_status"] == "connected"

        listed = ok(await client.get("/api/v1/providers/"))
        assert {p["name"] for p in listed} == {"local", "lab"}
        _no_key(listed)

        # A new key goes back to pending; removing the key clears the ciphertext.
        patched = ok(await client.patch(f"/api/v1/providers/{pid}", json={"api_key": "sk-other-key"}))
        assert patched["validation_status"] == "pending" and patched["has_api_key"] is True
        cleared = ok(await client.patch(f"/api/v1/providers/{pid}", json={"api_key": None, "name": "lab2"}))
        assert cleared["has_api_key"] is False and cleared["name"] == "lab2"
        assert await harness.pool.fetchval("SELECT count(*) FROM provider_secrets") == 0  # type: ignore[attr-defined]

        types = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT type FROM events WHERE type LIKE 'providers.%' ORDER BY seq"
        )
        assert [r["type"] for r in types] == [
            "providers.created",
            "providers.validation_started",
            "providers.validated",
            "providers.updated",
            "providers.updated",
        ]
        rows = await harness.pool.fetch("SELECT data::text AS data FROM events")  # type: ignore[attr-defined]
        for row in rows:
            _no_key(row["data"])
            assert "api_key_encrypted" not in row["data"]

        ok(await client.delete(f"/api/v1/providers/{pid}"), 204)
        assert (await client.get(f"/api/v1/providers/{pid}")).status_code == 404


async def test_validation_errors_are_recorded_with_their_reason(harness: GatewayHarness) -> None:
    failing = OpenAICompatible(reply=lambda body: "{}")
    failing_app = failing.app()
    async with (
        serving(Litestar([unauthorised, health], logging_config=None), health_path="/health") as bad_base,
        serving(failing_app, health_path="/health") as good_base,
        gateway(harness) as client,
    ):
        wrong_key = ok(
            await client.post(
                "/api/v1/providers/",
                json={"name": "wrong", "type": "openai", "base_url": f"{bad_base}/v1", "api_key": API_KEY},
            ),
            201,
        )
        result = ok(await client.post(f"/api/v1/providers/{wrong_key['id']}/validate"))
        assert result["validation_status"] == "error"
        assert result["validation_error"] == "HTTP 401: Incorrect API key provided"
        _no_key(result)

        nobody = ok(
            await client.post(
                "/api/v1/providers/", json={"name": "gone", "type": "ollama", "base_url": "http://127.0.0.1:9"}
            ),
            201,
        )
        result = ok(await client.post(f"/api/v1/providers/{nobody['id']}/validate"))
        assert (
            result["validation_status"] == "error"
            and "cannot reach http://127.0.0.1:9/api/tags" in result["validation_error"]
        )

        # The models route validates a provider that never was.
        fresh = ok(
            await client.post(
                "/api/v1/providers/", json={"name": "fresh", "type": "openai_compatible", "base_url": f"{good_base}/v1"}
            ),
            201,
        )
        assert ok(await client.get(f"/api/v1/providers/{fresh['id']}/models"))["models"] == ["test-model"]

        # Bad input names the field; duplicates and the built-in provider are conflicts.
        missing_url = await client.post("/api/v1/providers/", json={"name": "x", "type": "openai_compatible"})
        assert missing_url.status_code == 400 and "base_url" in missing_url.text
        bad_type = await client.post("/api/v1/providers/", json={"name": "x", "type": "gpt"})
        assert bad_type.status_code == 400 and "type" in bad_type.text
        bad_url = await client.post("/api/v1/providers/", json={"name": "x", "type": "openai", "base_url": "ftp://x"})
        assert bad_url.status_code == 400 and "base_url" in bad_url.text
        assert (await client.post("/api/v1/providers/", json={"name": "WRONG", "type": "openai"})).status_code == 409
        local = "00000000-0000-4000-8000-000000000001"
        assert (await client.delete(f"/api/v1/providers/{local}")).status_code == 409
        assert ok(await client.post(f"/api/v1/providers/{local}/validate"))["validation_status"] == "connected"


async def test_a_key_cannot_be_stored_without_a_secret_key(harness: GatewayHarness) -> None:
    async with gateway(harness, secret_key="") as client:
        response = await client.post("/api/v1/providers/", json={"name": "k", "type": "openai", "api_key": API_KEY})
        assert response.status_code == 400 and "TT_SECRET_KEY" in response.text
        _no_key(response.text)
        assert await harness.pool.fetchval("SELECT count(*) FROM events WHERE type LIKE 'providers.%'") == 0  # type: ignore[attr-defined]


async def test_agents_crud_system_agents_stay_and_stats_come_from_runs(harness: GatewayHarness) -> None:
    async with gateway(harness) as client:
        agents = ok(await client.get("/api/v1/agents/"))
        assert {a["name"] for a in agents if a["is_system"]} == SYSTEM_AGENTS
        proposer = next(a for a in agents if a["role"] == "task_proposer")

        custom = ok(
            await client.post(
                "/api/v1/agents/",
                json={
                    "name": "triage",
                    "role": "custom",
                    "temperature": 0.7,
                    "custom_prompt": "Відповідай українською",
                },
            ),
            201,
        )
        assert custom["custom_prompt"] == "Відповідай українською" and custom["is_system"] is False
        edited = ok(await client.patch(f"/api/v1/agents/{custom['id']}", json={"max_tokens": 512, "active": False}))
        assert (edited["max_tokens"], edited["active"], edited["temperature"]) == (512, False, 0.7)
        ok(await client.delete(f"/api/v1/agents/{custom['id']}"), 204)
        assert (await client.get(f"/api/v1/agents/{custom['id']}")).status_code == 404

        # System agents: edited, never deleted, never given another role.
        assert (await client.delete(f"/api/v1/agents/{proposer['id']}")).status_code == 409
        changed = ok(await client.patch(f"/api/v1/agents/{proposer['id']}", json={"model": "gpt-4o-mini"}))
        assert changed["model"] == "gpt-4o-mini" and changed["is_system"] is True
        role_change = await client.patch(f"/api/v1/agents/{proposer['id']}", json={"role": "custom"})
        assert role_change.status_code == 400 and "role" in role_change.text
        bad_temperature = await client.post("/api/v1/agents/", json={"name": "t", "role": "custom", "temperature": 3})
        assert bad_temperature.status_code == 400 and "temperature" in bad_temperature.text
        bad_provider = await client.post(
            "/api/v1/agents/",
            json={"name": "t", "role": "custom", "provider_id": "0192a8a0-0000-7000-8000-0000000000ff"},
        )
        assert bad_provider.status_code == 400 and "provider_id" in bad_provider.text

        # Stats over the read models: two finished analysis runs of the proposer, one of them failed.
        await harness.pool.execute(  # type: ignore[attr-defined]
            """
            INSERT INTO analysis_runs (status, window_start, window_end, agent_id, proposals_total, created_at,
                                       started_at, completed_at)
            VALUES ('completed', now() - interval '1 day', now(), $1, 4, now(), now() - interval '10 s', now()),
                   ('failed', now() - interval '1 day', now(), $1, 0, now() - interval '2 days', now(), now())
            """,
            proposer["id"],
        )
        stats = ok(await client.get(f"/api/v1/agents/{proposer['id']}/stats"))
        assert (stats["runs_total"], stats["runs_24h"], stats["success_rate"]) == (2, 1, 0.5)
        assert stats["items_produced_24h"] == 4 and 9 < stats["mean_duration_s"] < 11


async def test_projects_crud_and_replay_gives_the_same_configuration(harness: GatewayHarness) -> None:
    project = {
        "name": "Платформа",
        "description": "Billing and auth",
        "keywords": ["оплата", "billing", "логин"],
        "glossary": {"PR": "pull request", "деплой": "deployment"},
        "components": [{"name": "auth", "keywords": ["login", "логин", "вход"]}],
        "priority_rules": [{"keywords": ["прод", "outage"], "priority": "critical"}],
        "language": "uk",
    }
    async with gateway(harness) as client:
        created = ok(await client.post("/api/v1/projects/", json=project), 201)
        assert {k: created[k] for k in project} == project
        updated = ok(await client.patch(f"/api/v1/projects/{created['id']}", json={"keywords": ["billing"]}))
        assert updated["keywords"] == ["billing"] and updated["glossary"] == project["glossary"]
        bad_rule = await client.post(
            "/api/v1/projects/", json={"name": "x", "priority_rules": [{"keywords": ["a"], "priority": "urgent"}]}
        )
        assert bad_rule.status_code == 400 and "priority" in bad_rule.text
        assert (await client.post("/api/v1/projects/", json={"name": "платформа"})).status_code == 409
        second = ok(await client.post("/api/v1/projects/", json={"name": "Other"}), 201)
        ok(await client.delete(f"/api/v1/projects/{second['id']}"), 204)
        proposer = "00000000-0000-4000-8000-000000000103"
        ok(await client.patch(f"/api/v1/agents/{proposer}", json={"temperature": 0.9}))
        listed = ok(await client.get("/api/v1/projects/"))
        assert [p["name"] for p in listed] == ["Платформа"]

    async def snapshot() -> list[Any]:
        return [
            [dict(r) for r in await harness.pool.fetch(sql)]  # type: ignore[attr-defined]
            for sql in (
                "SELECT * FROM projects ORDER BY id",
                "SELECT * FROM agents ORDER BY id",
                "SELECT * FROM llm_providers ORDER BY id",
            )
        ]

    before = await snapshot()
    await replay(harness.pool, [by_name("configuration"), by_name("tasks")])  # type: ignore[arg-type]
    assert await snapshot() == before
    await asyncio.sleep(0)
