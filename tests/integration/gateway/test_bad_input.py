"""Bad input at the edge: a 400 naming the field (or, on the webhook, a recorded 200), never a 500, and nothing
reaches the bus that the projection cannot store. Each case is one the issue found answering 500 or losing data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from shared.bus.headers import DLQ_ERROR
from shared.bus.streams import stream_name
from shared.testing.gateway import AUTH, GatewayHarness

from ..ingest.waiting import bus_count, settled
from .test_telegram_webhook import DEMO_CHAT, monitor, post, update, webhook_app

DEEP = b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def field_of(response: httpx.Response) -> str:
    body = response.json()
    errors = body.get("errors") or [{}]
    return str(errors[0].get("field") or errors[0].get("key") or body.get("detail"))


async def on_bus(harness: GatewayHarness, subject: str) -> int:
    return await bus_count(harness.js, stream_name(harness.settings.subject_prefix), subject)


async def test_nul_characters_in_parameters_and_paths_are_400_naming_the_field(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        in_query = await client.get("/api/v1/messages", params={"chat": "a\x00b"})
        in_search = await client.get("/api/v1/profiles", params={"q": "\x00"})
        in_path = await client.get("/api/v1/messages/telegram:-1:%00")
        patch = await client.patch("/api/v1/chats/ab%00cd", json={"monitored": True})
        await asyncio.sleep(0.3)
        published = await on_bus(harness, "*.messages.chat_updated")
    assert (in_query.status_code, field_of(in_query)) == (400, "chat")
    assert (in_search.status_code, field_of(in_search)) == (400, "q")
    assert (in_path.status_code, field_of(in_path)) == (400, "key")
    assert (patch.status_code, field_of(patch)) == (400, "chat_id")
    assert published == 0  # refused before anything was published


async def test_numbers_beyond_64_bits_and_naive_datetimes_are_400(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        author_float = await client.get("/api/v1/messages", params={"author": "1e20"})
        author_big = await client.get("/api/v1/messages", params={"author": str(2**64)})
        profile = await client.get(f"/api/v1/profiles/{2**64}")
        offset = await client.get("/api/v1/profiles", params={"offset": str(2**63)})
        naive = await client.get("/api/v1/ingestion/estimate", params={"chats": "-1001", "since": "2025-01-01T00:00"})
        aware = await client.get(
            "/api/v1/ingestion/estimate", params={"chats": "-1001", "since": "2025-01-01T00:00:00Z"}
        )
        big_in_body = await client.post("/api/v1/noise/score-batch", json={"batch_size": 2**63})
    for response, field in [
        (author_float, "author"),
        (author_big, "author"),
        (profile, "profile_id"),
        (offset, "offset"),
        (naive, "since"),
    ]:
        assert response.status_code == 400, (field, response.status_code, response.text)
        assert field in response.text, (field, response.text)
    assert aware.status_code == 200, aware.text
    assert big_in_body.status_code == 400 and "batch_size" in big_in_body.text


async def test_bodies_that_are_not_utf8_too_deep_loosely_typed_or_unstorable_are_400(harness: GatewayHarness) -> None:
    job = {"chats": ["-1001"], "depth": 5}
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        latin1 = await client.post(
            "/api/v1/noise/score",
            content='{"text": "caf\xe9"}'.encode("latin-1"),
            headers={"content-type": "application/json"},
        )
        deep = await client.post("/api/v1/noise/score", content=DEEP, headers={"content-type": "application/json"})
        as_string = await client.patch("/api/v1/chats/-1001", json={"monitored": "true"})
        as_number = await client.patch("/api/v1/chats/-1001", json={"monitored": 1})
        nul_chat = await client.post("/api/v1/ingestion/jobs", json={**job, "chats": ["-10\x0001"]})
        surrogate = await client.post(
            "/api/v1/ingestion/jobs",
            content=b'{"chats": ["\\ud800"], "depth": 5}',
            headers={"content-type": "application/json"},
        )
        naive_body = await client.post("/api/v1/ingestion/jobs", json={**job, "since": "2025-01-01T00:00:00"})
        await asyncio.sleep(0.3)
        published = await on_bus(harness, "*.>")
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]
    assert deep.status_code == 400 and "nested" in deep.json()["detail"]
    assert as_string.status_code == as_number.status_code == 400
    assert "monitored" in as_string.text and "monitored" in as_number.text
    assert nul_chat.status_code == 400 and field_of(nul_chat) == "$.chats[0]"
    assert surrogate.status_code == 400 and "surrogate" in surrogate.text
    assert naive_body.status_code == 400 and field_of(naive_body) == "$.since"
    assert published == 0


async def test_an_override_reason_with_nul_is_400_and_not_dead_lettered(harness: GatewayHarness) -> None:
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await monitor(client, DEMO_CHAT)
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        await post(client, update(1))
        key = f"telegram:{DEMO_CHAT}:1"
        await settled(harness.pool, "SELECT count(*) FROM messages WHERE key = $1", key, expect=1)
        override = await client.post(
            f"/api/v1/messages/{key}/classification", json={"classification": "signal", "reason": "bad\x00reason"}
        )
        await asyncio.sleep(0.3)
        overrides = await on_bus(harness, "*.noise_filtering.classification_overridden")
    assert override.status_code == 400 and field_of(override) == "$.reason"
    assert overrides == 0


async def webhook_rejections(harness: GatewayHarness) -> list[Any]:
    stream = stream_name(harness.settings.subject_prefix)
    sub = await harness.js.pull_subscribe(f"{harness.settings.subject_prefix}.dlq.webhooks.>", stream=stream)
    found = []
    try:
        while True:
            found.extend(await sub.fetch(10, timeout=1))
    except TimeoutError:
        pass
    return found


def with_message(body: bytes, **fields: Any) -> bytes:
    decoded = json.loads(body)
    decoded["message"].update(fields)
    return json.dumps(decoded).encode()


async def test_the_webhook_answers_200_to_what_it_will_never_accept_and_records_why(harness: GatewayHarness) -> None:
    huge = update(3, text="deploy " * 1_300_000)  # ~9 MB of text: beyond NATS 8 MB, within the body limit
    bad = {
        "beyond 64 bits": with_message(update(2), message_id=2**63),
        "date 1e15": with_message(update(5), date=10**15),
        "float date": update(6).replace(b'"date": 1717000006', b'"date": 1e15'),
        "not UTF-8": b'{"update_id": 7, "message": {"text": "\xff"}}',
        "nested": b'{"update_id": 8, "message": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        "malformed": b'{"update_id": 9, "message": ',
        "huge": huge,
    }
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as client:
        await monitor(client, DEMO_CHAT)
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        answers = {name: await post(client, body) for name, body in bad.items()}
        again = await post(client, bad["beyond 64 bits"])  # Telegram's retry of the same update
        nul = await post(
            client,
            update(10, text="Деплой\x00 о 18:00", **{"from": {"id": 1, "is_bot": False, "first_name": "Ol\x00ha"}}),
        )
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=1)
        stored = await harness.pool.fetchrow(
            "SELECT m.text, p.display_name FROM messages m JOIN profiles p ON p.id = m.author_id"
        )  # type: ignore[attr-defined]
        ingested = await on_bus(harness, "*.messages.ingested")
        recorded = await webhook_rejections(harness)
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.status_code, answer.text)
        assert answer.json()["status"] == "rejected", (name, answer.json())
    assert again.status_code == 200
    assert "64 bits" in answers["beyond 64 bits"].json()["reason"]
    assert "65,536" in answers["huge"].json()["reason"]
    assert nul.json()["status"] == "accepted"
    assert dict(stored) == {"text": "Деплой о 18:00", "display_name": "Olha"}  # normalised, not lost
    assert ingested == 1
    assert len(recorded) == len(bad)  # each rejected update once, the retry deduplicated
    reasons = " ".join(m.headers[DLQ_ERROR] for m in recorded)
    assert "first 65,536 kept" in reasons and "not valid UTF-8" in reasons
