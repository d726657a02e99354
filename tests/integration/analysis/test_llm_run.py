"""Acceptance: the run against a real local OpenAI-compatible server, with one malformed answer; and the
provider key appears in no API response, event, events-table row, stream message or log line."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from shared.bus.streams import stream_name
from shared.testing.gateway import GatewayHarness
from shared.testing.openai_server import OpenAICompatible
from shared.testing.running import serving

from .system import WINDOW, import_demo, running_system

API_KEY = "sk-live-4f9c2a7e1b-do-not-leak"
NUMBERED = re.compile(r"^\[(\d+)\]", re.MULTILINE)


class Scripted:
    """Proposes one task per batch citing the batch's first two messages; the second batch's answer is broken,
    and so is the answer to the client's one retry of it."""

    def __init__(self) -> None:
        self.calls = 0
        self.batches = 0

    def __call__(self, body: dict[str, Any]) -> str:
        self.calls += 1
        retry = len(body["messages"]) > 2  # the client sent its misfit back with the validation error
        self.batches += 0 if retry else 1
        if self.batches == 2:
            return '{"proposals": [{"title": 42, "message_ids": "first"}]}'
        shown = [int(n) for n in NUMBERED.findall(body["messages"][1]["content"])]
        proposal = {
            "title": f"Задача {self.batches}",
            "description": "from the model",
            "priority": "high",
            "category": "bug",
            "confidence": 0.8,
            "reasoning": "people asked for it",
            "tags": ["llm"],
            "message_ids": [*shown[:2], 9999],  # an id outside the batch is dropped, never invented
        }
        return json.dumps({"proposals": [proposal]})


async def test_llm_run_with_a_malformed_answer_and_the_key_never_leaks(
    harness: GatewayHarness, capfd: pytest.CaptureFixture[str]
) -> None:
    # structlog's default configuration prints every level to the current stdout (captured by capfd); stdlib
    # records (httpx, openai — the clients that carry the key — at DEBUG) are kept by a handler on the root
    # logger, attached once the apps have configured logging (Litestar replaces the root handlers).
    records: list[logging.LogRecord] = []
    keeper = logging.Handler(logging.DEBUG)
    keeper.emit = records.append  # type: ignore[method-assign]
    scripted = Scripted()
    server = OpenAICompatible(reply=scripted, model="tt-proposer")
    async with (
        serving(server.app(), health_path="/health") as llm_base,
        running_system(harness, extraction_batch_size=20) as system,
    ):
        root, level = logging.getLogger(), logging.getLogger().level
        root.addHandler(keeper)
        root.setLevel(logging.DEBUG)
        await import_demo(system)
        provider = await system.call(
            "POST",
            "/api/v1/providers/",
            201,
            json={"name": "lab", "type": "openai_compatible", "base_url": f"{llm_base}/v1", "api_key": API_KEY},
        )
        validated = await system.call("POST", f"/api/v1/providers/{provider['id']}/validate")
        assert validated["validation_status"] == "connected" and validated["models"] == ["tt-proposer"]
        agent = await system.call(
            "POST",
            "/api/v1/agents/",
            201,
            json={"name": "llm-proposer", "role": "task_proposer", "provider_id": provider["id"]},
        )
        run = await system.call(
            "POST", "/api/v1/analysis/runs/", 201, json=WINDOW | {"agent_id": agent["id"], "start": True}
        )
        await system.wait("SELECT status FROM analysis_runs WHERE id = $1", "completed", run["id"])
        done = await system.call("GET", f"/api/v1/analysis/runs/{run['id']}")
        batches = done["batches"]
        assert batches >= 3 and scripted.batches == batches and scripted.calls == batches + 1
        # The malformed batch failed with its reason; the run went on with the others.
        assert done["batches_failed"] == 1 and "malformed answer" in done["error"]
        assert done["proposals_total"] == batches - 1 and done["tokens_used"] > 0
        progress = await harness.pool.fetch(  # type: ignore[attr-defined]
            "SELECT data FROM events WHERE type = 'analysis.run_progress' ORDER BY seq"
        )
        errors = [p["data"]["batch_error"] for p in progress]
        assert errors[1] is not None and "malformed answer" in errors[1]
        assert [e for i, e in enumerate(errors) if i != 1] == [None] * (batches - 1)
        proposals = await system.call("GET", "/api/v1/proposals/", params={"run_id": run["id"]})
        assert {p["title"] for p in proposals} == {f"Задача {n}" for n in range(1, batches + 1) if n != 2}
        for proposal in proposals:
            assert 1 <= len(proposal["source_message_keys"]) <= 2
        missing = await system.fetchval(
            "SELECT count(*) FROM task_proposals p, unnest(p.source_message_keys) k"
            " WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.key = k)"
        )
        assert missing == 0
        # The key reached the provider, in the Authorization header only.
        assert {r["authorization"] for r in server.requests} == {f"Bearer {API_KEY}"}
        assert all(r["body"]["model"] == "tt-proposer" for r in server.requests)
        for proposal in proposals[:1]:
            await system.call("GET", f"/api/v1/proposals/{proposal['id']}")
        await system.call("GET", f"/api/v1/providers/{provider['id']}/models")
        await system.call("GET", "/api/v1/providers/")

        # The key is nowhere: API responses, events table (payloads and headers), the stream, logs.
        assert system.responses and not any(API_KEY in r for r in system.responses)
        rows = await harness.pool.fetch("SELECT data::text AS data, headers::text AS headers FROM events")  # type: ignore[attr-defined]
        assert rows and not any(API_KEY in r["data"] or API_KEY in r["headers"] for r in rows)
        stream = stream_name(harness.settings.subject_prefix)
        info = await harness.js.stream_info(stream)
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await harness.js.get_msg(stream, seq)
            assert API_KEY.encode() not in (message.data or b"")
            assert API_KEY not in json.dumps(message.headers or {})
        root.removeHandler(keeper)
        root.setLevel(level)
    captured = capfd.readouterr()
    logged = captured.out + captured.err
    assert "analysis_run_completed" in logged  # the logs were captured, so the check below means something
    assert API_KEY not in logged
    assert any(record.name.startswith(("httpx", "openai")) for record in records)
    assert not any(API_KEY in record.getMessage() for record in records)
