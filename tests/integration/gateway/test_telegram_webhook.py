"""`POST /api/v1/webhooks/telegram`: secret check, malformed bodies, monitored chats, dedupe with the export."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import msgspec

from services.gateway.app import create_app
from services.ingest.importer import import_export
from shared.bus.streams import stream_name
from shared.testing.gateway import AUTH, TOKEN, GatewayHarness
from shared.testing.running import serving

from ..ingest.waiting import bus_count, settled

SECRET = "webhook-secret-4c1b"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEMO = Path(__file__).parents[3] / "data" / "demo" / "telegram_export.json"
DEMO_CHAT = -1002145367890


def update(message_id: int, *, chat_id: int = DEMO_CHAT, text: str | None = "Реліз о 18:00?", **extra: Any) -> bytes:
    message = {
        "message_id": message_id,
        "date": 1_717_000_000 + message_id,
        "chat": {"id": chat_id, "type": "supergroup", "title": "Kvitka Mobile — команда"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Olha", "username": "olha"},
        "text": text,
        **extra,
    }
    kind = "edited_message" if "edit_date" in extra else "message"
    return json.dumps({"update_id": 10_000 + message_id, kind: message}).encode()


def webhook_app(harness: GatewayHarness, secret: str = SECRET):  # type: ignore[no-untyped-def]
    return serving(
        create_app(msgspec.structs.replace(harness.settings, telegram_webhook_secret=secret)), health_path="/api/health"
    )


async def post(client: httpx.AsyncClient, body: bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"content-type": "application/json", **({HEADER: secret} if secret is not None else {})}
    return await client.post("/api/v1/webhooks/telegram", content=body, headers=headers)


async def monitor(client: httpx.AsyncClient, chat_id: int) -> None:
    response = await client.patch(
        f"/api/v1/chats/{chat_id}", json={"monitored": True}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 202, response.text


async def on_bus(harness: GatewayHarness) -> int:
    return await bus_count(harness.js, stream_name(harness.settings.subject_prefix), "*.messages.ingested")


async def test_a_wrong_or_missing_secret_is_401_and_nothing_reaches_the_bus(harness: GatewayHarness) -> None:
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await monitor(client, DEMO_CHAT)
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        wrong = await post(client, update(1), secret="not-the-secret")
        missing = await post(client, update(2), secret=None)
        await asyncio.sleep(0.3)
        assert await on_bus(harness) == 0
        right = await post(client, update(3))
    assert wrong.status_code == missing.status_code == 401
    assert HEADER in wrong.json()["detail"]
    assert right.status_code == 200 and right.json()["status"] == "accepted"


async def test_without_a_configured_secret_the_webhook_is_refused_and_says_why(harness: GatewayHarness) -> None:
    async with webhook_app(harness, secret="") as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        response = await post(client, update(1), secret="")
    assert response.status_code == 503
    assert "TELEGRAM_WEBHOOK_SECRET" in response.json()["detail"]


async def test_malformed_json_or_update_is_acknowledged_as_rejected_with_the_reason(harness: GatewayHarness) -> None:
    """Telegram retries every non-2xx answer forever: an update that can never be used is answered 200."""
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        not_json = await post(client, b'{"update_id": 1, "message": ')
        bad_field = await post(client, json.dumps({"update_id": 2, "message": {"message_id": "seven"}}).encode())
        no_update_id = await post(client, b'{"message": {}}')
        assert await on_bus(harness) == 0
    assert not_json.status_code == bad_field.status_code == no_update_id.status_code == 200
    assert {r.json()["status"] for r in (not_json, bad_field, no_update_id)} == {"rejected"}
    assert "malformed JSON" in not_json.json()["reason"]
    assert "$.message.message_id" in bad_field.json()["reason"]
    assert "update_id" in no_update_id.json()["reason"]


async def test_export_and_webhook_of_the_same_message_store_it_once(harness: GatewayHarness) -> None:
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        report = await import_export(DEMO, harness.publisher)
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=report.imported)
        same = await post(client, update(5, text="the same message, seen by the bot"))
        new = await post(client, update(90_001))
        await settled(harness.pool, "SELECT count(*) FROM messages", expect=report.imported + 1)
        await asyncio.sleep(0.3)
        stored = await harness.pool.fetchval("SELECT count(*) FROM messages")  # type: ignore[attr-defined]
        first_seen = await harness.pool.fetchval(  # type: ignore[attr-defined]
            "SELECT channel FROM messages WHERE key = $1", f"telegram:{DEMO_CHAT}:5"
        )
    assert same.json() == {"status": "accepted", "key": f"telegram:{DEMO_CHAT}:5", "type": "messages.ingested"}
    assert new.status_code == 200
    assert stored == report.imported + 1
    assert first_seen == "export"


async def test_messages_from_chats_not_monitored_are_acknowledged_but_ignored(harness: GatewayHarness) -> None:
    other = -1009999
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        ignored = await post(client, update(1, chat_id=other))
        service = await post(client, update(2, chat_id=other, text=None, new_chat_title="renamed"))
        assert await on_bus(harness) == 0
        await monitor(client, other)
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        accepted = await post(client, update(3, chat_id=other))
        await settled(harness.pool, "SELECT count(*) FROM messages WHERE chat_id = $1", str(other), expect=1)
    assert ignored.status_code == 200 and ignored.json()["reason"] == f"chat {other} is not monitored"
    assert service.json()["status"] == "ignored" and "service message" in service.json()["reason"]
    assert accepted.json()["status"] == "accepted"


async def test_an_edit_through_the_webhook_updates_the_text_and_keeps_the_history(harness: GatewayHarness) -> None:
    async with webhook_app(harness) as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await monitor(client, DEMO_CHAT)
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        await post(client, update(7, text="deploy at 5"))
        key = f"telegram:{DEMO_CHAT}:7"
        await settled(harness.pool, "SELECT count(*) FROM messages WHERE key = $1", key, expect=1)
        edit = update(7, text="deploy at 6, not 5", edit_date=1_717_000_500)
        await post(client, edit)
        await post(client, edit)  # Telegram retries: the same edit is kept once
        await settled(harness.pool, "SELECT text FROM messages WHERE key = $1", key, expect="deploy at 6, not 5")
        detail = (await client.get(f"/api/v1/messages/{key}")).json()
    assert [(e["previous_text"], e["text"]) for e in detail["edits"]] == [("deploy at 5", "deploy at 6, not 5")]
    assert detail["author"]["username"] == "olha" and detail["chat"]["monitored"] is True
