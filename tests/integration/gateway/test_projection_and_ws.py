"""Events on the bus reach read models and WebSocket clients; resume, restart and replay are exact."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

from services.gateway import projections
from services.gateway.projections.runner import DURABLE, replay
from shared.bus.streams import stream_name
from shared.contracts.tasks import TaskCreated, TaskStatusChanged
from shared.testing.gateway import GatewayHarness, ws_connect

from .chat_events import message, publish_messages


async def recv_events(ws: Any, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(out) < count:
            frame = json.loads(await ws.recv())
            if "seq" in frame:
                out.append(frame)
    return out


async def wait_for(condition: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


async def test_event_reaches_read_model_and_only_subscribed_clients(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        async with (
            ws_connect(base, "topics=tasks") as tasks_ws,
            ws_connect(base, "topics=messages") as messages_ws,
        ):
            hello = json.loads(await tasks_ws.recv())
            assert hello["type"] == "connection" and hello["data"]["topics"] == ["tasks"]
            await messages_ws.recv()
            await harness.publisher.emit(TaskCreated(task_id="0192a8a0-0000-7000-8000-000000000001", title="Fix login"))
            (frame,) = await recv_events(tasks_ws, 1)
            assert frame["topic"] == "tasks" and frame["type"] == "tasks.created"
            assert frame["data"]["title"] == "Fix login"
            # The messages client got nothing: the next frame it sees is the message event we now send.
            await harness.publisher.emit(message(1))
            (other,) = await recv_events(messages_ws, 1)
            assert other["type"] == "messages.ingested"
        title = await harness.pool.fetchval("SELECT title FROM tasks")  # type: ignore[attr-defined]
        assert title == "Fix login"


async def test_reconnecting_with_since_receives_exactly_what_was_missed(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        async with ws_connect(base, "topics=messages") as ws:
            await ws.recv()
            await harness.publisher.emit(message(1))
            (first,) = await recv_events(ws, 1)
        for i in range(2, 6):
            await harness.publisher.emit(message(i))
        await harness.publisher.emit(TaskCreated(task_id="0192a8a0-0000-7000-8000-000000000002", title="other topic"))
        await wait_for(lambda: _events_at_least(harness, 6))
        async with ws_connect(base, f"topics=messages&since={first['seq']}") as ws:
            await ws.recv()
            missed = await recv_events(ws, 4)
            assert [f["data"]["message_id"] for f in missed] == [2, 3, 4, 5]
            await harness.publisher.emit(message(6))
            (live,) = await recv_events(ws, 1)
            assert live["data"]["message_id"] == 6 and live["seq"] > missed[-1]["seq"]


async def _events_at_least(harness: GatewayHarness, n: int) -> bool:
    return await harness.pool.fetchval("SELECT count(*) FROM events") >= n  # type: ignore[attr-defined, no-any-return]


async def _count(harness: GatewayHarness, sql: str) -> int:
    return await harness.pool.fetchval(sql)  # type: ignore[attr-defined, no-any-return]


async def test_bad_topics_and_frames_close_with_clear_codes(harness: GatewayHarness) -> None:
    async with harness.serve() as base:
        async with ws_connect(base, "topics=tasks,nonsense") as ws:
            try:
                await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4400
                assert "nonsense" in closed.rcvd.reason
        async with websockets.connect(base.replace("http://", "ws://") + "/ws?topics=tasks") as ws:
            try:
                await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4401
        async with ws_connect(base, "topics=tasks") as ws:
            await ws.recv()
            await ws.send(json.dumps({"action": "subscribe", "topic": "messages"}))
            ack = json.loads(await ws.recv())
            assert ack == {
                "type": "subscription",
                "action": "subscribe",
                "topic": "messages",
                "topics": ["messages", "tasks"],
            }
            await ws.send("not json")
            try:
                await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4400


async def test_gateway_restart_mid_stream_loses_nothing_and_applies_nothing_twice(harness: GatewayHarness) -> None:
    total = 600

    async def produce() -> None:
        for start in range(0, total, 50):
            await publish_messages(harness, range(start, start + 50))
            await asyncio.sleep(0.02)

    producer = asyncio.create_task(produce())
    async with harness.serve():
        await wait_for(lambda: _events_at_least(harness, 100))
    # The gateway is down while the producer keeps going; then it comes back.
    await asyncio.sleep(0.2)
    async with harness.serve():
        await producer
        await wait_for(lambda: _events_at_least(harness, total))
        await asyncio.sleep(0.3)
    assert await _count(harness, "SELECT count(*) FROM messages") == total
    assert await _count(harness, "SELECT count(*) FROM events") == total
    assert await _count(harness, "SELECT count(DISTINCT id) FROM events") == total
    checkpoint = await _count(harness, "SELECT last_seq FROM projection_checkpoints WHERE projection = 'messages'")
    assert checkpoint == await _count(harness, "SELECT max(seq) FROM events")


async def test_messages_left_in_flight_by_a_crashed_gateway_are_projected_after_restart(
    harness: GatewayHarness,
) -> None:
    await publish_messages(harness, range(100))
    async with harness.serve():
        await wait_for(lambda: _events_at_least(harness, 100))
    await publish_messages(harness, range(100, 300))
    # A gateway that died mid-batch: it fetched these from the durable consumer and never committed or acked.
    stream = stream_name(harness.settings.subject_prefix)
    crashed = await harness.js.pull_subscribe_bind(DURABLE, stream=stream)
    held = await crashed.fetch(50, timeout=5)
    assert len(held) == 50
    await crashed.unsubscribe()
    async with harness.serve():
        # Well inside the consumer's ack_wait: the held messages must not wait for redelivery, nor be acked unseen.
        await wait_for(lambda: _events_at_least(harness, 300), timeout=10)
        await asyncio.sleep(0.3)
    assert await _count(harness, "SELECT count(*) FROM messages") == 300
    assert await _count(harness, "SELECT count(DISTINCT seq) FROM events") == 300


async def test_replay_reproduces_live_read_models_row_for_row(harness: GatewayHarness) -> None:
    task_id = "0192a8a0-0000-7000-8000-000000000003"
    async with harness.serve():
        for i in range(30):
            await harness.publisher.emit(message(i, chat="-1001" if i % 2 else "-1002"))
        await harness.publisher.emit(TaskCreated(task_id=task_id, title="Ship it", source_message_keys=["k"]))
        await harness.publisher.emit(TaskStatusChanged(task_id=task_id, from_status="open", to_status="in_progress"))
        await wait_for(lambda: _events_at_least(harness, 32))
        await asyncio.sleep(0.3)
    tables = ["messages", "profiles", "chats", "tasks", "message_classification_history"]
    live = {t: await _dump(harness, t) for t in tables}
    applied = await replay(harness.pool, projections.ALL)  # type: ignore[arg-type]
    assert applied == 32
    rebuilt = {t: await _dump(harness, t) for t in tables}
    assert rebuilt == live
    assert len(live["messages"]) == 30 and live["tasks"][0]["status"] == "in_progress"


async def _dump(harness: GatewayHarness, table: str) -> list[dict[str, Any]]:
    rows = await harness.pool.fetch(f"SELECT * FROM {table} ORDER BY 1")  # type: ignore[attr-defined]
    return [{k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in dict(r).items()} for r in rows]
