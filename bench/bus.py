"""Bus throughput: raw nats-py JetStream publish vs our Publisher, and publish → projected by the gateway.

Run: uv run python bench/bus.py [--events 20000]
Prints figures; never asserts. Uses the embedded NATS and PostgreSQL (or TT_TEST_* URLs).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import asyncpg
import nats

from services.gateway.app import create_app
from services.gateway.projections.runner import stream_position
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts import encode, utcnow
from shared.contracts.messages import Author, MessageIngested
from shared.db import migrate
from shared.settings import Settings
from shared.testing.infra import create_database, test_infra
from shared.testing.rates import raw_publish_rate
from shared.testing.running import serving, wait_until_projected


def sample(i: int) -> MessageIngested:
    return MessageIngested(
        key=f"telegram:-1001:{i}",
        chat_id="-1001",
        message_id=i,
        text=f"Деплой {i} впав з помилкою 502 на /api/payments — хто подивиться? deploy failed again",
        sent_at=utcnow(),
        author=Author(source_user_id=str(i % 7), display_name=f"user {i % 7}"),
        language="uk",
    )


async def main(events: int) -> None:
    with test_infra() as infra:
        database_url = await create_database(infra.admin_database_url, "tt_bench_bus")
        migrate.apply(database_url)
        prefix = f"b{uuid.uuid4().hex[:8]}"
        nc = await nats.connect(infra.nats_url)
        js = nc.jetstream()
        await ensure_stream(js, prefix)
        publisher = Publisher(js, producer="bench", prefix=prefix)
        messages = [sample(i) for i in range(events)]
        envelopes = [(publisher.envelope(m), m.key) for m in messages]
        payload_size = len(encode(envelopes[0][0]))

        raw = await raw_publish_rate(infra.nats_url, payload_size, events)

        started = time.perf_counter()
        for start in range(0, events, 500):
            await publisher.publish_many(envelopes[start : start + 500])
        published = events / (time.perf_counter() - started)

        settings = Settings(database_url=database_url, nats_url=infra.nats_url, subject_prefix=prefix)
        pool = await asyncpg.connect(database_url)
        async with serving(create_app(settings), health_path="/api/health"):
            # Steady state: counted from the moment the gateway answers, not including its start-up.
            started, already = time.perf_counter(), await stream_position(pool) or 0
            last_seq = (await js.stream_info(stream_name(prefix))).state.last_seq
            await wait_until_projected(pool, last_seq)
            projected = (last_seq - already) / (time.perf_counter() - started)
            in_read_model = await pool.fetchval("SELECT count(*) FROM messages")
        await pool.close()
        await nc.close()

    print(f"events:                      {events} (payload ~{payload_size} B; {in_read_model} in the read model)")
    print(f"raw nats-py publish_async:   {raw:10.0f} msg/s")
    print(f"Publisher.publish_many:      {published:10.0f} msg/s  ({published / raw:.0%} of raw)")
    print(f"stream → projected (gateway): {projected:10.0f} msg/s  ({projected / raw:.0%} of raw)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
