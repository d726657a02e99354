"""The WebSocket relay: `/ws?topics=a,b&since=<seq>` (SPEC.md §7).

The client first gets what it missed from the durable `events` log, then live frames from the hub.
Live frames are queued from before the replay starts, so nothing falls between the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg
import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from services.gateway.auth import bearer_from, token_valid
from services.gateway.hub import Hub, Subscription
from shared.contracts import TOPICS
from shared.metrics import WS_FRAMES

PING_EVERY_S = 20.0
PONG_TIMEOUT_S = 30.0
REPLAY_PAGE = 500

CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_TOO_SLOW = 4408


class ClientAction(msgspec.Struct, forbid_unknown_fields=True):
    action: str
    topic: str | None = None


def parse_topics(raw: str | None) -> tuple[set[str], list[str]]:
    """Requested topics and the unknown ones; no `topics` parameter means every topic."""
    if not raw:
        return set(TOPICS), []
    wanted = {t.strip() for t in raw.split(",") if t.strip()}
    return wanted & set(TOPICS), sorted(wanted - set(TOPICS))


async def replay_since(pool: asyncpg.Pool, topics: set[str], since: int, until: int | None) -> list[tuple[int, str]]:
    rows = await pool.fetch(
        """
        SELECT seq, topic, json_build_object('seq', seq, 'topic', topic, 'type', type,
               'occurred_at', occurred_at, 'data', data)::text AS frame
        FROM events WHERE seq > $1 AND topic = ANY($2::text[]) AND ($3::bigint IS NULL OR seq <= $3)
        ORDER BY seq LIMIT $4
        """,
        since,
        sorted(topics),
        until,
        REPLAY_PAGE,
    )
    return [(r["seq"], r["frame"]) for r in rows]


class Connection:
    def __init__(self, socket: WebSocket, hub: Hub, pool: asyncpg.Pool, sub: Subscription) -> None:
        self.socket, self.hub, self.pool, self.sub = socket, hub, pool, sub
        self.id = str(uuid.uuid4())
        self.last_pong = time.monotonic()
        self.sent_seq = 0

    async def send_json(self, payload: dict[str, object]) -> None:
        await self.socket.send_text(msgspec.json.encode(payload).decode())

    async def replay(self, since: int) -> None:
        cursor = since
        while True:
            page = await replay_since(self.pool, self.sub.topics, cursor, None)
            for seq, frame in page:
                await self.socket.send_text(frame)
                self.sent_seq = seq
            if len(page) < REPLAY_PAGE:
                return
            cursor = page[-1][0]

    async def pump(self) -> None:
        while True:
            frame = await self.sub.queue.get()
            if self.sub.overflowed:
                await self.socket.close(CLOSE_TOO_SLOW, f"client too slow; reconnect with since={self.sent_seq}")
                return
            if frame.seq <= self.sent_seq or frame.topic not in self.sub.topics:
                continue
            await self.socket.send_text(frame.text)
            self.sent_seq = frame.seq
            WS_FRAMES.labels(frame.topic).inc()

    async def ping(self) -> None:
        while True:
            await asyncio.sleep(PING_EVERY_S)
            if time.monotonic() - self.last_pong > PONG_TIMEOUT_S:
                await self.socket.close(CLOSE_BAD_REQUEST, "no pong within 30 s")
                return
            await self.send_json({"type": "ping", "ts": time.time()})

    async def receive(self) -> None:
        while True:
            raw = await self.socket.receive_text()
            try:
                action = msgspec.json.decode(raw, type=ClientAction)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                await self.socket.close(CLOSE_BAD_REQUEST, f"invalid frame: {exc}"[:120])
                return
            if action.action == "pong":
                self.last_pong = time.monotonic()
            elif action.action in ("subscribe", "unsubscribe"):
                if action.topic not in TOPICS:
                    await self.send_json({"type": "error", "error": f"unknown topic {action.topic!r}"})
                    continue
                topics = set(self.sub.topics)
                (topics.add if action.action == "subscribe" else topics.discard)(action.topic)
                self.hub.set_topics(self.sub, topics)
                await self.send_json(
                    {"type": "subscription", "action": action.action, "topic": action.topic, "topics": sorted(topics)}
                )
            else:
                await self.send_json({"type": "error", "error": f"unknown action {action.action!r}"})


@websocket("/ws")
async def ws_handler(socket: WebSocket) -> None:
    state = socket.app.state
    await socket.accept()
    if not token_valid(bearer_from(socket), state.settings):
        await socket.close(CLOSE_UNAUTHORIZED, "a valid token is required (?token= or Authorization header)")
        return
    topics, unknown = parse_topics(socket.query_params.get("topics"))
    since_raw = socket.query_params.get("since")
    if unknown or (since_raw is not None and not since_raw.isdigit()):
        reason = f"unknown topics: {', '.join(unknown)}" if unknown else "since must be a stream sequence number"
        await socket.close(CLOSE_BAD_REQUEST, reason[:120])
        return
    hub: Hub = state.hub
    sub = hub.subscribe(topics)
    conn = Connection(socket, hub, state.pool, sub)
    try:
        await conn.send_json(
            {"type": "connection", "data": {"status": "connected", "connection_id": conn.id, "topics": sorted(topics)}}
        )
        if since_raw is not None:
            await conn.replay(int(since_raw))
        tasks = [asyncio.create_task(c()) for c in (conn.pump, conn.ping, conn.receive)]
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
