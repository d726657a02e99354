"""Fan-out of committed events from the projector to every API replica, over core NATS.

The projector publishes each committed batch once on `<prefix>_relay.committed` (outside the stream: it is
a notification, the `events` table is the record). Every API replica subscribes and hands the frames to its
own WebSocket hub. Each message names the stream range it covers, so a replica notices a range it missed
(a reconnect, a new projector) and reads it from the events log; a slow poll of the stored position covers
the last message of a burst being lost. Measured against LISTEN/NOTIFY in bench/fanout.py: NOTIFY carries at
most 8 kB, so each replica would re-read every batch from PostgreSQL; here the frames are encoded once and
the database is read only to fill gaps.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
import nats.aio.client
from nats.aio.msg import Msg

from services.gateway.frames import frame_text
from services.gateway.hub import Frame, Hub
from services.gateway.projections.runner import envelope_from_row, stream_position
from shared.logging import get_logger

log = get_logger(__name__)
MAX_MESSAGE_BYTES = 512 * 1024  # well under NATS's max_payload, whatever the frames carry
GAP_FILL_PAGE = 1000
_head_encoder = msgspec.json.Encoder()


class Committed(msgspec.Struct, array_like=True):
    """Stream sequences after `after` up to `upto` are committed; `frames` are the relayed ones among them."""

    after: int
    upto: int
    frames: list[tuple[int, str, str]]  # (seq, topic, frame text)


def relay_subject(prefix: str) -> str:
    return f"{prefix}_relay.committed"


def chunks(after: int, upto: int, frames: Sequence[Frame]) -> list[Committed]:
    """Split one commit into messages of bounded size; together they cover (after, upto]."""
    out: list[Committed] = []
    current: list[tuple[int, str, str]] = []
    size = 0
    start = after
    for frame in frames:
        if current and size + len(frame.text) > MAX_MESSAGE_BYTES:
            out.append(Committed(start, current[-1][0], current))
            start, current, size = current[-1][0], [], 0
        current.append((frame.seq, frame.topic, frame.text))
        size += len(frame.text) + 32
    out.append(Committed(start, upto, current))
    return out


class RelayPublisher:
    """The projector side: one core-NATS publish per committed batch (buffered while reconnecting)."""

    def __init__(self, nc: nats.aio.client.Client, prefix: str) -> None:
        self._nc, self._subject = nc, relay_subject(prefix)
        self._encoder = msgspec.msgpack.Encoder()

    async def __call__(self, after: int, upto: int, frames: Sequence[Frame]) -> None:
        for message in chunks(after, upto, frames):
            with contextlib.suppress(Exception):  # a lost notice is a gap the replicas fill from the log
                await self._nc.publish(self._subject, self._encoder.encode(message))


def frame_from_row(seq: int, topic: str, event_type: str, occurred_at: datetime, data_json: str) -> str:
    """A frame from an events-log row's JSON text as stored (bench/fanout.py measures this cheap path; the relay
    itself re-encodes through frames.frame_text so gap-filled frames equal live ones)."""
    head = _head_encoder.encode({"seq": seq, "topic": topic, "type": event_type, "occurred_at": occurred_at})
    return f'{head[:-1].decode()},"data":{data_json}}}'


class RelaySubscriber:
    """The API side: feeds the hub in stream order and knows the committed position (read-your-writes)."""

    def __init__(self, nc: nats.aio.client.Client, pool: asyncpg.Pool, hub: Hub, prefix: str) -> None:
        self._nc, self._pool, self._hub, self._prefix = nc, pool, hub, prefix
        self._decoder = msgspec.msgpack.Decoder(Committed)
        self._lock = asyncio.Lock()
        self._sub: Any = None
        self._poller: asyncio.Task[None] | None = None
        self.applied_seq = 0  # every event up to here is committed and was handed to the hub

    async def start(self, position: int | None) -> None:
        self.applied_seq = position or 0
        self._hub.last_seq = max(self._hub.last_seq, self.applied_seq)
        self._sub = await self._nc.subscribe(relay_subject(self._prefix), cb=self._on_message)
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        try:
            committed = self._decoder.decode(msg.data)
        except msgspec.DecodeError:
            log.warning("relay_message_invalid")
            return
        async with self._lock:
            if committed.upto <= self.applied_seq:
                return  # a range already handed over (a replayed notice, a second projector)
            if committed.after > self.applied_seq:
                await self._fill(committed.after)
            frames = [Frame(s, t, text) for s, t, text in committed.frames if s > self.applied_seq]
            self._hub.publish(frames)
            self.applied_seq = committed.upto

    async def _poll(self, every_s: float = 1.0) -> None:
        """Catch up from the log when the stored position is ahead and no notice came (a lost last message)."""
        while True:
            await asyncio.sleep(every_s)
            with contextlib.suppress(Exception):
                position = await stream_position(self._pool) or 0
                if position > self.applied_seq:
                    await asyncio.sleep(every_s / 4)  # its notice is normally on the way
                    async with self._lock:
                        if position > self.applied_seq:
                            await self._fill(position)

    async def _fill(self, upto: int) -> None:
        """Hand the hub what the log holds in (applied_seq, upto]; the caller holds the lock."""
        log.info("relay_gap_filled_from_log", after=self.applied_seq, upto=upto)
        while self.applied_seq < upto:
            rows = await self._pool.fetch(
                "SELECT seq, topic, id, type, occurred_at, correlation_id, causation_id, producer, version, data"
                " FROM events WHERE seq > $1 AND seq <= $2 AND topic IS NOT NULL ORDER BY seq LIMIT $3",
                self.applied_seq,
                upto,
                GAP_FILL_PAGE,
            )
            self._hub.publish(
                [
                    Frame(
                        r["seq"],
                        r["topic"],
                        frame_text(r["seq"], envelope_from_row(r)),  # byte for byte the live frame
                    )
                    for r in rows
                ]
            )
            self.applied_seq = rows[-1]["seq"] if len(rows) == GAP_FILL_PAGE else upto
