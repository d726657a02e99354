"""Import throughput: a generated 100k-message Telegram export → bus → read model, next to raw JetStream.

Run: uv run python bench/ingest.py [--messages 100000] [--batch 500]
Uses the embedded NATS and PostgreSQL (or TT_TEST_* URLs); the gateway runs as its own process, as in
`tracker up`. The embedded NATS syncs every write to disk (`sync_interval: always`), so absolute rates
follow the disk; the ratio to raw is the figure to watch. Prints figures, never asserts. Measured in the same run:
  raw      nats-py publish_async of payloads the size of one encoded message event (the ceiling);
  publish  `import_export` (parse, normalise, detect language, publish_many with dedupe ids);
  stored   import start → every message in the `messages` read model (what an operator waits for);
  catch-up the projector alone: a second export of the same size published while no gateway runs, then the
           gateway started and timed from healthy until it has projected the backlog (messages projected in
           that interval / its length), so the figure is the projection's own (lemmatising included), not the
           importer's. `--distinct-texts` makes every message's text different (a real chat's vocabulary,
           not eight repeated lines that any cache absorbs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

import nats

from services.ingest.export_reader import read_export
from services.ingest.importer import import_export
from services.ingest.publishing import read_model_keys
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts import encode
from shared.db import migrate
from shared.db.pool import create_pool
from shared.settings import Settings
from shared.testing.infra import create_database, test_infra
from shared.testing.rates import raw_publish_rate
from shared.testing.running import gateway_process, wait_until_projected

LINES = (
    "Деплой на staging впав з помилкою 502 на /api/payments — хто подивиться?",
    "ok",
    "The release branch is frozen, please merge fixes through review only",
    "Дякую!",
    "Can we move the retro to Thursday 15:00? Half the team is out on Wednesday",
    "Треба оновити сертифікат до п'ятниці, інакше мобільний клієнт перестане логінитись",
    "👍",
    "Looks like the migration 0042 locks the orders table for ~3 minutes on prod-size data",
)


_WORDS = (
    "деплой staging прод помилка міграція сертифікат оплата платіж картка реліз білд пуш сповіщення логін "
    "ошибка миграция сертификат оплата релиз сборка уведомление вход база реплика таймаут ключ "
    "deploy release payment refund migration certificate timeout replica rollout crash screen widget balance"
).split()


_LETTERS = "бвгджзклмнпрстфхцчшщ"


def _text(i: int, distinct: bool) -> object:
    if not distinct:
        return LINES[i % len(LINES)] if i % 10 else [f"see #{i} ", {"type": "link", "text": "https://ci/x"}]
    picked = random.Random(i).sample(_WORDS, 6 + i % 9)
    # one word no dictionary knows, new in every message (a name, a slang word, a typo): the costly case
    new, n = "", i
    while n:
        n, digit = divmod(n, len(_LETTERS))
        new += _LETTERS[digit]
    return " ".join(picked) + f" {new}ами KV-{i}"


def write_export(path: Path, n: int, *, distinct: bool = False, first_id: int = 1) -> None:
    """A single-chat Telegram Desktop export, written message by message (the bench never holds it all)."""
    base = 1_717_000_000
    with path.open("w", encoding="utf-8") as out:
        out.write('{\n "name": "Bench team",\n "type": "private_supergroup",\n "id": 1987654321,\n "messages": [\n')
        for i in range(first_id, first_id + n):
            message: dict[str, object] = {
                "id": i,
                "type": "message",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + i * 7)),
                "date_unixtime": str(base + i * 7),
                "from": f"Member {i % 23}",
                "from_id": f"user{100_000 + i % 23}",
                "text": _text(i, distinct),
            }
            if i % 6 == 0:
                message["reply_to_message_id"] = i - 1
            out.write(json.dumps(message, ensure_ascii=False, indent=1))
            out.write(",\n" if i < first_id + n - 1 else "\n")
        out.write(" ]\n}\n")


async def main(n: int, batch: int, raw_n: int, distinct: bool) -> None:
    with test_infra() as infra, tempfile.TemporaryDirectory(prefix="tt-bench-ingest-") as tmp:
        export = Path(tmp) / "result.json"
        started = time.perf_counter()
        write_export(export, n, distinct=distinct)
        size_mb, took = export.stat().st_size / 1e6, time.perf_counter() - started
        print(f"export: {n:,} messages, {size_mb:.1f} MB (written in {took:.1f} s)")

        database_url = await create_database(infra.admin_database_url, "tt_bench_ingest")
        migrate.apply(database_url)
        prefix = f"b{uuid.uuid4().hex[:8]}"
        nc = await nats.connect(infra.nats_url)
        js = nc.jetstream()
        await ensure_stream(js, prefix)
        publisher = Publisher(js, producer="import", prefix=prefix)

        sample = next(m for m in read_export(export) if not hasattr(m, "reason"))
        payload_size = len(encode(publisher.envelope(sample)))
        # Its own stream, so the gateway never sees (and dead-letters) the raw payloads.
        raw = await raw_publish_rate(infra.nats_url, payload_size, raw_n, window=5000)

        settings = Settings(database_url=database_url, nats_url=infra.nats_url, subject_prefix=prefix)
        pool = await create_pool(database_url, max_size=2)
        try:
            async with gateway_process(settings, tmp):
                started = time.perf_counter()
                report = await import_export(export, publisher, batch_size=batch, known=read_model_keys(pool))
                publish_s = time.perf_counter() - started
                await wait_until_projected(pool, (await js.stream_info(stream_name(prefix))).state.last_seq)
                stored_s = time.perf_counter() - started
                in_read_model = await pool.fetchval("SELECT count(*) FROM messages")
            backlog = Path(tmp) / "backlog.json"
            write_export(backlog, n, distinct=distinct, first_id=n + 1)
            await import_export(backlog, publisher, batch_size=batch, known=read_model_keys(pool))
            last_seq = (await js.stream_info(stream_name(prefix))).state.last_seq
            async with gateway_process(settings, tmp):
                before, started = await pool.fetchval("SELECT count(*) FROM messages"), time.perf_counter()
                await wait_until_projected(pool, last_seq)
                catch_up_s = time.perf_counter() - started
                caught_up = await pool.fetchval("SELECT count(*) FROM messages") - before
        finally:
            await pool.close()
            await nc.close()

    published, stored = report.published / publish_s, report.imported / stored_s
    print(f"payload ~{payload_size} B; imported {report.imported:,}, duplicates {report.duplicates:,}")
    print(f"messages in the read model: {in_read_model:,}")
    print(f"raw nats-py publish_async:        {raw:10,.0f} msg/s  ({raw_n:,} messages)")
    print(f"import → on the bus:              {published:10,.0f} msg/s  ({published / raw:.0%} of raw)")
    print(f"import → in the read model:       {stored:10,.0f} msg/s  ({stored / raw:.0%} of raw; target ≥ 30 %)")
    print(f"projector catch-up (backlog):     {caught_up / catch_up_s:10,.0f} msg/s  ({caught_up:,} messages)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--raw-messages", type=int, default=20_000, help="messages for the raw baseline")
    parser.add_argument("--distinct-texts", action="store_true", help="every message a different text")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.batch, args.raw_messages, args.distinct_texts))
