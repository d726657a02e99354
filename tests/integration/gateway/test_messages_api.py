"""Messages, chats and profiles API over the read model: filters, keyset pagination, detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.ingest.normalise import build_ingested, make_author
from shared.contracts.noise_filtering import MessageScored, ScoreFactors
from shared.testing.gateway import AUTH, TOKEN, GatewayHarness

from ..ingest.waiting import settled

START = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
CHATS = ("-1001111", "-1002222")
CLASSES = ("noise", "weak_signal", "signal")


async def seed(harness: GatewayHarness, count: int = 30) -> None:
    """`count` messages over two chats and three authors; message i scores i/count, classified by thirds."""
    publisher = harness.publisher
    items = []
    for i in range(count):
        text = "deploy blocked by a failing migration" if i % 5 == 0 else f"звичайне повідомлення {i}"
        items.append(
            build_ingested(
                channel="api",
                chat_id=CHATS[i % 2],
                message_id=i,
                author=make_author(700 + i % 3, first_name=f"Author{i % 3}", username=f"author{i % 3}"),
                text=text,
                # Pairs share a timestamp, so the (sent_at, id) tie-break is exercised.
                sent_at=START + timedelta(minutes=i // 2),
            )
        )
    await publisher.publish_many([(publisher.envelope(m), m.key) for m in items])
    await settled(harness.pool, "SELECT count(*) FROM messages", expect=count)
    scores = [
        MessageScored(
            key=m.key,
            chat_id=m.chat_id,
            text=m.text,
            sent_at=m.sent_at,
            score=i / count,
            classification=CLASSES[i * 3 // count],
            factors=ScoreFactors(content=0.5, author=0.5, temporal=0.5, topic=0.5),
        )
        for i, m in enumerate(items)
    ]
    await publisher.publish_many([(publisher.envelope(s), None) for s in scores])
    await settled(harness.pool, "SELECT count(*) FROM messages WHERE classification IS NOT NULL", expect=count)


async def ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    response = await client.get("/api/v1/messages", params=params)
    assert response.status_code == 200, response.text
    return [item["message_id"] for item in response.json()["items"]]


async def test_messages_can_be_filtered_by_chat_author_window_score_class_and_text(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await seed(harness)
        author = await harness.pool.fetchval("SELECT id FROM profiles WHERE source_user_id = '701'")  # type: ignore[attr-defined]
        by_chat = await ids(client, chat=CHATS[1], limit=200)
        by_author = await ids(client, author=author, limit=200)
        window = await ids(
            client, since=(START + timedelta(minutes=2)).isoformat(), until=(START + timedelta(minutes=4)).isoformat()
        )
        scored = await ids(client, min_score=0.5, max_score=0.6)
        signal = await ids(client, classification="signal", limit=200)
        text = await ids(client, q="migration", limit=200)
        combined = await ids(client, q="migration", chat=CHATS[0], classification="noise")
        bad_range = await client.get("/api/v1/messages", params={"min_score": 0.9, "max_score": 0.1})
        bad_class = await client.get("/api/v1/messages", params={"classification": "spam"})
    assert sorted(by_chat) == list(range(1, 30, 2))
    assert sorted(by_author) == list(range(1, 30, 3))
    assert window == [7, 6, 5, 4]  # newest first, id breaks the tie within a minute
    assert sorted(scored) == [15, 16, 17, 18]
    assert sorted(signal) == list(range(20, 30))
    assert sorted(text) == [0, 5, 10, 15, 20, 25]
    assert combined == [0]
    assert bad_range.status_code == bad_class.status_code == 400


async def test_cursor_pagination_walks_every_message_once_in_order(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await seed(harness, count=23)
        seen: list[int] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
            body = (await client.get("/api/v1/messages", params=params)).json()
            seen += [item["message_id"] for item in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
        invalid = await client.get("/api/v1/messages", params={"cursor": "not-a-cursor"})
    assert pages == 5
    assert seen == sorted(range(23), key=lambda i: (i // 2, i), reverse=True)
    assert invalid.status_code == 400 and "cursor" in invalid.json()["detail"]


async def test_message_detail_chats_and_profiles(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH) as client:
        await seed(harness, count=6)
        key = f"telegram:{CHATS[0]}:4"
        detail = (await client.get(f"/api/v1/messages/{key}")).json()
        missing = await client.get("/api/v1/messages/telegram:-1:1")
        chats = (await client.get("/api/v1/chats")).json()
        patched = await client.patch(
            f"/api/v1/chats/{CHATS[0]}", json={"monitored": True}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        await settled(harness.pool, "SELECT count(*) FROM chats WHERE monitored", expect=1)
        monitored = (await client.get("/api/v1/chats", params={"monitored": "true"})).json()
        profiles = (await client.get("/api/v1/profiles", params={"q": "author1"})).json()
        profile = (await client.get(f"/api/v1/profiles/{profiles[0]['id']}")).json()
        anonymous_patch = await client.patch(
            f"/api/v1/chats/{CHATS[0]}", json={"monitored": False}, headers={"Authorization": ""}
        )
    assert detail["key"] == key and detail["classification"] == "signal" and detail["author"]["name"] == "Author1"
    assert [h["kind"] for h in detail["classification_history"]] == ["score"] and detail["edits"] == []
    assert missing.status_code == 404
    assert sorted((c["chat_id"], c["message_count"], c["monitored"]) for c in chats) == [
        (CHATS[0], 3, False), (CHATS[1], 3, False),
    ]  # fmt: skip
    assert patched.status_code == 202 and patched.json()["monitored"] is True
    assert [c["chat_id"] for c in monitored] == [CHATS[0]]
    assert profile["message_count"] == 2 and profile["username"] == "author1"
    assert anonymous_patch.status_code == 401
