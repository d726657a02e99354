"""The WebSocket relay: `/ws?topics=a,b&since=<seq>` (SPEC.md §7).

Authentication keeps the long-lived token out of the URL (URLs end up in logs): a browser sends
`{"action":"auth","token":"…"}` as its first frame; other clients may send `Authorization: Bearer …` on the
handshake instead. The client then first gets what it missed from the durable `events` log, then live frames
from the hub. Live frames are queued from before the replay starts, so nothing falls between the two; replayed
and live frames are encoded by the same function (frames.py), so they are byte-for-byte alike.

Close codes (README "WebSocket close codes"): 4400 bad request (do not retry unchanged), 4401 not authorised
(do not retry without a new token), 4408 too slow (reconnect with the `since` in the reason), 4410 no pong
(reconnect with `since`). A close waits only for the data already handed to the connection, never for the
client's backlog in the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass

import asyncpg
import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from services.gateway.auth import Scope, bearer_from, token_scope
from services.gateway.frames import frame_text
from services.gateway.hub import Hub, Subscription
from services.gateway.projections.runner import envelope_from_row
from shared.contracts import TOPICS
from shared.metrics import WS_FRAMES
from shared.settings import Settings

REPLAY_PAGE = 500
AUTH_TIMEOUT_S = 10.0
CLOSE_WAIT_S = 10.0  # how long a close may wait for the client to take the data queued before it
MAX_CLIENT_FRAME = 4096  # client frames are small actions; anything larger is not one

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_NO_PONG = 4410


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


class ClientAction(msgspec.Struct, forbid_unknown_fields=True):
    action: str
    topic: str | None = None
    token: str | None = None


class TooSlow(Exception):
    """The client did not take one frame within the send timeout."""


def parse_topics(raw: str | None) -> tuple[set[str], list[str]]:
    """Requested topics and the unknown ones; no `topics` parameter means every topic."""
    if not raw:
        return set(TOPICS), []
    wanted = {t.strip() for t in raw.split(",") if t.strip()}
    return wanted & set(TOPICS), sorted(wanted - set(TOPICS))


def decode_action(raw: str) -> ClientAction:
    if len(raw) > MAX_CLIENT_FRAME:
        raise ValueError(f"frame over {MAX_CLIENT_FRAME} characters")
    return msgspec.json.decode(raw, type=ClientAction)


async def replay_since(pool: asyncpg.Pool, topics: set[str], since: int) -> list[tuple[int, str]]:
    rows = await pool.fetch(
        """
        SELECT seq, id, type, occurred_at, correlation_id, causation_id, producer, version, data
        FROM events WHERE seq > $1 AND topic = ANY($2::text[]) ORDER BY seq LIMIT $3
        """,
        since,
        sorted(topics),
        REPLAY_PAGE,
    )
    return [(r["seq"], frame_text(r["seq"], envelope_from_row(r))) for r in rows]


async def authenticate(socket: WebSocket) -> Scope | Close:  # type: ignore[type-arg]
    settings: Settings = socket.app.state.settings
    if socket.query_params.get("token") is not None:
        return Close(CLOSE_UNAUTHORIZED, 'send the token in the first frame {"action":"auth","token":…}, not the URL')
    presented = bearer_from(socket)
    if presented is None:
        try:
            async with asyncio.timeout(AUTH_TIMEOUT_S):
                first = decode_action(await socket.receive_text())
        except TimeoutError:
            return Close(CLOSE_UNAUTHORIZED, f"no auth frame within {AUTH_TIMEOUT_S:.0f} s")
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return Close(CLOSE_UNAUTHORIZED, 'the first frame must be {"action":"auth","token":…}')
        presented = first.token if first.action == "auth" else None
    scope = token_scope(presented, settings)
    return scope if scope is not None else Close(CLOSE_UNAUTHORIZED, "a valid token is required")


class Connection:
    def __init__(
        self,
        socket: WebSocket,  # type: ignore[type-arg]
        hub: Hub,
        pool: asyncpg.Pool,
        sub: Subscription,
        settings: Settings,
    ) -> None:
        self.socket, self.hub, self.pool, self.sub, self.settings = socket, hub, pool, sub, settings
        self.id = str(uuid.uuid4())
        self.sent_seq = 0
        self.pong = asyncio.Event()

    async def send(self, text: str) -> None:
        try:
            async with asyncio.timeout(self.settings.ws_send_timeout_s):
                await self.socket.send_text(text)
        except TimeoutError:
            raise TooSlow from None

    async def send_json(self, payload: dict[str, object]) -> None:
        await self.send(msgspec.json.encode(payload).decode())

    def too_slow(self) -> Close:
        return Close(CLOSE_TOO_SLOW, f"client too slow; reconnect with since={self.sent_seq}")

    async def replay(self, since: int) -> None:
        cursor = since
        while True:
            page = await replay_since(self.pool, self.sub.topics, cursor)
            for seq, frame in page:
                await self.send(frame)
                self.sent_seq = seq
            if len(page) < REPLAY_PAGE:
                return
            cursor = page[-1][0]

    async def pump(self) -> Close:
        while True:
            frame = await self.sub.queue.get()
            if self.sub.overflowed:
                return self.too_slow()
            if frame.seq <= self.sent_seq or frame.topic not in self.sub.topics:
                continue
            await self.send(frame.text)
            self.sent_seq = frame.seq
            WS_FRAMES.labels(frame.topic).inc()

    async def ping(self) -> Close:
        """The pong deadline runs from when the ping was handed to the connection, not from when it was due:
        a ping queued behind data the client is still reading is not the client's fault."""
        timeout = self.settings.ws_pong_timeout_s
        while True:
            await asyncio.sleep(self.settings.ws_ping_s)
            self.pong.clear()
            await self.send_json({"type": "ping", "ts": time.time()})
            try:
                async with asyncio.timeout(timeout):
                    await self.pong.wait()
            except TimeoutError:
                return Close(CLOSE_NO_PONG, f"no pong within {timeout:g} s; reconnect with since={self.sent_seq}")

    async def receive(self) -> Close:
        while True:
            raw = await self.socket.receive_text()
            self.pong.set()  # any frame shows the client is there
            try:
                action = decode_action(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
                return Close(CLOSE_BAD_REQUEST, f"invalid frame: {exc}"[:120])
            if action.action in ("pong", "auth"):
                continue
            if action.action in ("subscribe", "unsubscribe"):
                if action.topic not in TOPICS:
                    await self.send_json({"type": "error", "error": f"unknown topic {action.topic!r}"[:200]})
                    continue
                topics = set(self.sub.topics)
                (topics.add if action.action == "subscribe" else topics.discard)(action.topic)
                self.hub.set_topics(self.sub, topics)
                await self.send_json(
                    {"type": "subscription", "action": action.action, "topic": action.topic, "topics": sorted(topics)}
                )
            else:
                await self.send_json({"type": "error", "error": f"unknown action {action.action!r}"[:200]})

    async def serve(self, since: int | None) -> Close | None:
        try:
            await self.send_json(
                {
                    "type": "connection",
                    "data": {"status": "connected", "connection_id": self.id, "topics": sorted(self.sub.topics)},
                }
            )
            if since is not None:
                await self.replay(since)
        except TooSlow:
            return self.too_slow()
        tasks = [asyncio.create_task(c()) for c in (self.pump, self.ping, self.receive)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, TooSlow, RuntimeError):
                await task
        error = next(iter(done)).exception()
        if isinstance(error, TooSlow):
            return self.too_slow()
        if error is not None:
            return None  # the client went away
        return next(iter(done)).result()  # type: ignore[no-any-return]


async def close(socket: WebSocket, how: Close) -> None:  # type: ignore[type-arg]
    """Send the close frame after what the connection already holds; give up if the client never reads it."""
    with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError):
        async with asyncio.timeout(CLOSE_WAIT_S):
            await socket.close(how.code, how.reason[:120])


@websocket("/ws")
async def ws_handler(socket: WebSocket) -> None:  # type: ignore[type-arg]
    state = socket.app.state
    await socket.accept()
    try:
        auth = await authenticate(socket)
    except WebSocketDisconnect:
        return
    if isinstance(auth, Close):
        await close(socket, auth)
        return
    topics, unknown = parse_topics(socket.query_params.get("topics"))
    since_raw = socket.query_params.get("since")
    if unknown or (since_raw is not None and not (since_raw.isascii() and since_raw.isdigit())):
        reason = f"unknown topics: {', '.join(unknown)}" if unknown else "since must be a stream sequence number"
        await close(socket, Close(CLOSE_BAD_REQUEST, reason))
        return
    since = int(since_raw) if since_raw is not None else None
    if since is not None and since >= 2**63:
        await close(socket, Close(CLOSE_BAD_REQUEST, "since is beyond any stream sequence (max 2^63-1)"))
        return
    hub: Hub = state.hub
    sub = hub.subscribe(topics)
    conn = Connection(socket, hub, state.pool, sub, state.settings)
    try:
        outcome = await conn.serve(since)
    except WebSocketDisconnect:
        outcome = None
    finally:
        hub.unsubscribe(sub)
    if outcome is not None:
        await close(socket, outcome)
