"""Fan-out of committed batches to API replicas: core NATS (what the relay uses) vs PostgreSQL LISTEN/NOTIFY.

Per commit of a 100-event batch, from the projector's notice to every replica holding the batch's frames:
  bus     the frames travel in the notice (msgpack over core NATS), the replicas decode them;
  notify  NOTIFY carries only the new position (8 kB payload limit), each replica SELECTs the rows.
Two replicas, 200 commits each way. Run: uv run python bench/fanout.py. Prints figures; never asserts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats

from services.gateway.hub import Frame
from services.gateway.relay import Committed, chunks, frame_from_row
from shared.db import migrate
from shared.db.pool import asyncpg_dsn
from shared.testing.infra import create_database, test_infra
from shared.testing.stack import percentile

REPLICAS = 2
COMMITS = 200
BATCH = 100


def rows_for(start: int) -> list[tuple]:  # type: ignore[type-arg]
    return [
        (seq, str(uuid.uuid4()), "messages.ingested", "tt.messages.ingested", "messages", "corr", "bench",
         {"key": f"telegram:-1:{seq}", "text": "Деплой впав: 502 на /api/payments, хто подивиться?" * 4})
        for seq in range(start, start + BATCH)
    ]  # fmt: skip


async def main() -> None:
    with test_infra() as infra:
        url = await create_database(infra.admin_database_url, "tt_bench_fanout")
        migrate.apply(url)
        dsn = asyncpg_dsn(url)
        writer = await asyncpg.connect(dsn)
        await writer.set_type_codec(
            "jsonb", schema="pg_catalog", encoder=lambda v: msgspec.json.encode(v).decode(), decoder=msgspec.json.decode
        )
        insert = (
            "INSERT INTO events (seq, id, type, subject, topic, occurred_at, correlation_id, producer, data)"
            " VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8)"
        )

        # --- bus: the frames ride in the notice
        nc = await nats.connect(infra.nats_url)
        decoder = msgspec.msgpack.Decoder(Committed)
        encoder = msgspec.msgpack.Encoder()
        bus_samples: list[float] = []
        pending: dict[int, float] = {}
        got = asyncio.Event()
        seen: dict[int, int] = {}

        async def on_bus(msg: nats.aio.msg.Msg) -> None:
            committed = decoder.decode(msg.data)
            _ = [Frame(s, t, text) for s, t, text in committed.frames]
            seen[committed.upto] = seen.get(committed.upto, 0) + 1
            if seen[committed.upto] == REPLICAS:
                bus_samples.append((time.perf_counter() - pending[committed.upto]) * 1000)
                got.set()

        replicas = [await nats.connect(infra.nats_url) for _ in range(REPLICAS)]
        for r in replicas:
            await r.subscribe("bench_relay.committed", cb=on_bus)
        await nc.flush()
        seq = 1
        for _ in range(COMMITS):
            rows = rows_for(seq)
            await writer.executemany(insert, rows)
            now = datetime.now(UTC)
            frames = [
                Frame(r[0], "messages", frame_from_row(r[0], "messages", r[2], now, msgspec.json.encode(r[7]).decode()))
                for r in rows
            ]
            got.clear()
            pending[seq + BATCH - 1] = time.perf_counter()
            for message in chunks(seq - 1, seq + BATCH - 1, frames):
                await nc.publish("bench_relay.committed", encoder.encode(message))
            await asyncio.wait_for(got.wait(), 10)
            seq += BATCH

        # --- notify: the position only, each replica reads the rows
        notify_samples: list[float] = []
        listeners = [await asyncpg.connect(dsn) for _ in range(REPLICAS)]
        readers = [await asyncpg.connect(dsn) for _ in range(REPLICAS)]
        last = [seq - 1] * REPLICAS
        done = asyncio.Event()
        counted: dict[int, int] = {}

        def make_listener(i: int):  # type: ignore[no-untyped-def]
            def on_notify(conn: asyncpg.Connection, pid: int, channel: str, payload: str) -> None:
                asyncio.get_running_loop().create_task(read(i, int(payload)))

            return on_notify

        async def read(i: int, upto: int) -> None:
            rows = await readers[i].fetch(
                "SELECT seq, topic, type, occurred_at, data::text AS data FROM events WHERE seq > $1 AND seq <= $2"
                " ORDER BY seq",
                last[i],
                upto,
            )
            _ = [frame_from_row(r["seq"], r["topic"], r["type"], r["occurred_at"], r["data"]) for r in rows]
            last[i] = upto
            counted[upto] = counted.get(upto, 0) + 1
            if counted[upto] == REPLICAS:
                notify_samples.append((time.perf_counter() - pending[upto]) * 1000)
                done.set()

        for i, listener in enumerate(listeners):
            await listener.add_listener("bench_committed", make_listener(i))
        for _ in range(COMMITS):
            await writer.executemany(insert, rows_for(seq))
            done.clear()
            pending[seq + BATCH - 1] = time.perf_counter()
            await writer.execute("SELECT pg_notify('bench_committed', $1)", str(seq + BATCH - 1))
            await asyncio.wait_for(done.wait(), 10)
            seq += BATCH

        for conn in [writer, *listeners, *readers]:
            await conn.close()
        for r in replicas:
            await r.close()
        await nc.close()
    bus, notify = bus_samples, notify_samples
    print(
        f"commit → {REPLICAS} replicas hold a {BATCH}-event batch: core NATS p50 {percentile(bus, 50):.2f} ms, "
        f"p95 {percentile(bus, 95):.2f} ms; LISTEN/NOTIFY + SELECT p50 {percentile(notify, 50):.2f} ms, "
        f"p95 {percentile(notify, 95):.2f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
