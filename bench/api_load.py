"""Read latency under load: 50 concurrent clients on `GET /api/v1/messages`, idle and during an import.

Two stateless API replicas (clients alternate between them, as behind nginx); the projector and the scorer
run in their own processes, so an import no longer shares the API's event loop. Raw baseline of the same
run: the same page read straight from PostgreSQL by 50 concurrent asyncpg clients.
Run: uv run python bench/api_load.py [--seed 20000] [--seconds 10]. Prints figures (target p95 ≤ 100 ms
during the import); never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from urllib.parse import urlsplit

import asyncpg
import nats

from shared.bus.publisher import Publisher
from shared.contracts import utcnow
from shared.contracts.messages import Author, MessageIngested
from shared.db.pool import asyncpg_dsn
from shared.runtime.lifetimes import batch_priority
from shared.testing.stack import HEADERS, percentile, stack

CLIENTS = 50
TARGET_P95_MS = 100.0
PAGE_SQL = "SELECT * FROM messages ORDER BY sent_at DESC, id DESC LIMIT 50"


def sample(i: int, chat: str) -> MessageIngested:
    return MessageIngested(
        key=f"telegram:{chat}:{i}",
        chat_id=chat,
        message_id=i,
        text=f"Реліз {i}: деплой на staging о 18:00, review please / ревью до вечора",
        sent_at=utcnow(),
        author=Author(source_user_id=str(i % 11), display_name=f"user {i % 11}"),
        language="uk",
    )


async def publish(nats_url: str, prefix: str, chat: str, count: int, pace_s: float = 0.0) -> None:
    nc = await nats.connect(nats_url)
    publisher = Publisher(nc.jetstream(), producer="bench", prefix=prefix)
    for start in range(0, count, 500):
        batch = [sample(i, chat) for i in range(start, min(count, start + 500))]
        await publisher.publish_many([(publisher.envelope(m), m.key) for m in batch])
        if pace_s:
            await asyncio.sleep(pace_s)
    await nc.close()


class KeepAliveClient:
    """One HTTP/1.1 keep-alive connection, as a browser tab holds one: a request line, the headers, a body read
    to its Content-Length. httpx, the first client of this bench, spends ~3 ms of CPU per request and serialises
    50 callers on its pool's lock; on two shared cores it capped the bench at ~300 requests/s whatever the
    server did, and its queueing was most of the p95 (measured side by side on 2026-12-02)."""

    def __init__(self, base: str, path: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        auth = HEADERS["Authorization"]
        self.request = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: {auth}\r\n\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> bytes:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await self.reader.readexactly(length)
        if status != b"200":
            raise RuntimeError(f"HTTP {status.decode()}: {body[:200]!r}")
        return body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def http_reads(bases: list[str], seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one_client(i: int) -> None:
        client = KeepAliveClient(bases[i % len(bases)], "/api/v1/messages")
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await client.get()
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            await client.close()

    await asyncio.gather(*(one_client(i) for i in range(CLIENTS)))
    return latencies


async def raw_reads(database_url: str, seconds: float) -> list[float]:
    pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=CLIENTS, max_size=CLIENTS)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await pool.fetch(PAGE_SQL)
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    await pool.close()
    return latencies


async def measure(seed: int, seconds: float) -> dict[str, float]:
    async with stack(api_replicas=2, stages=("scorer",)) as system:
        await publish(system.nats_url, system.prefix, "-1001", seed)
        conn = await asyncpg.connect(asyncpg_dsn(system.database_url))
        while await conn.fetchval("SELECT count(*) FROM messages WHERE classification IS NOT NULL") < seed:
            await asyncio.sleep(0.5)
        await conn.close()
        raw = await raw_reads(system.database_url, seconds)
        idle = await http_reads(system.api, seconds)
        # The import: as many messages again, paced over the measuring window, scored and projected meanwhile.
        # It runs in its own process, as `tracker import` does: publishing in this one would stall the readers'
        # event loop and be counted as server latency.
        pace = seconds / (seed / 500) * 0.8
        importing = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--publish", system.nats_url, system.prefix, "-1002", str(seed), str(pace)
        )
        busy = await http_reads(system.api, seconds)
        await importing.wait()
    return {
        "idle_p50_ms": percentile(idle, 50),
        "idle_p95_ms": percentile(idle, 95),
        "import_p50_ms": percentile(busy, 50),
        "import_p95_ms": percentile(busy, 95),
        "raw_p50_ms": percentile(raw, 50),
        "raw_p95_ms": percentile(raw, 95),
        "requests": float(len(idle) + len(busy)),
    }


def report(f: dict[str, float]) -> None:
    print(
        f"GET /api/v1/messages, {CLIENTS} clients on 2 API replicas: idle p50 {f['idle_p50_ms']:.1f} ms, "
        f"p95 {f['idle_p95_ms']:.1f} ms; during an import p50 {f['import_p50_ms']:.1f} ms, "
        f"p95 {f['import_p95_ms']:.1f} ms (target p95 ≤ {TARGET_P95_MS:.0f} ms); raw PostgreSQL page "
        f"p50 {f['raw_p50_ms']:.1f} ms, p95 {f['raw_p95_ms']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--publish", nargs=5, metavar=("NATS_URL", "PREFIX", "CHAT", "COUNT", "PACE_S"), help="internal"
    )
    args = parser.parse_args()
    if args.publish:  # the import process of measure()
        nats_url, prefix, chat, count, pace = args.publish
        batch_priority()  # as `tracker import` and the supervisor's batch children run
        asyncio.run(publish(nats_url, prefix, chat, int(count), float(pace)))
        return
    report(asyncio.run(measure(args.seed, args.seconds)))


if __name__ == "__main__":
    main()
