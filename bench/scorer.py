"""Scorer throughput: in-process messages per second over a generated multilingual corpus.

Run: ``uv run python bench/scorer.py [N] [--stage-n M | --no-stage]``.  Prints the in-process rate and, next
to it, the stage rate through the bus: M `messages.ingested` events are put on a real JetStream stream (the
embedded servers of the test harness, or TT_TEST_NATS_URL), the scorer Stage runs in this process, and the
clock stops when M `message_scored` events are on the stream.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import nats

from services.scorer.app import build_stage
from services.scorer.scoring import ScoringInput, score_message
from shared.bus.publisher import Publisher
from shared.bus.streams import ensure_stream, stream_name
from shared.contracts.messages import Author, MessageIngested
from shared.logging import configure_logging
from shared.settings import Settings
from shared.testing.infra import test_infra
from shared.testing.rates import raw_publish_rate
from shared.testing.running import serving

# Templates mix the three languages and the three classes in roughly chat-like proportions.
_NOISE = (
    "ok",
    "ок",
    "+",
    "+1",
    "дякую!",
    "спасибо",
    "thanks!",
    "👍",
    "😂😂😂",
    "привіт всім",
    "Hi everyone!",
    "хахаха",
    "lol",
    "ага",
    "згоден",
    "понял",
    "brb",
    "на звʼязку",
    "Як справи?",
    "[sticker]",
    "...",
)
_WEAK = (
    "щось не так з {thing}",
    "working on the {thing}",
    "може проблема в {thing}?",
    "что-то с {thing}",
    "Anyone seen this with {thing}?",
    "ще перевіряю {thing}",
    "https://github.com/org/repo/pull/{n}",
    "Not sure about the {thing}",
    "як налаштувати {thing}?",
)
_SIGNAL = (
    "Помилка {n} в {thing} після деплою, відкотили до v1.{n}.0 — треба фікс до п'ятниці",
    "Decision: move the {thing} to a separate service, p95 latency is {n}ms and blocks the API",
    "Решили перенести {thing} в отдельный воркер, сейчас очередь растёт на {n} сообщений в минуту",
    "Bug: `{thing}_handler()` raises KeyError when the payload has no user_id, see app/{thing}.py",
    "Дедлайн по {thing} — завтра 18:00, Олег робить міграцію, я перевіряю тести",
)
_THINGS = ("cache", "кеш", "база", "scorer", "webhook", "індекс", "очередь", "auth", "export", "деплой")


def corpus(n: int, seed: int = 7) -> list[ScoringInput]:
    """A reproducible list of n messages: about half noise, a quarter weak, a quarter signal."""
    rng = random.Random(seed)
    out: list[ScoringInput] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.5:
            text = rng.choice(_NOISE)
        else:
            template = rng.choice(_WEAK if roll < 0.75 else _SIGNAL)
            text = template.format(thing=rng.choice(_THINGS), n=rng.randint(2, 999))
        out.append(
            ScoringInput(
                text=text, is_reply=rng.random() < 0.3, seconds_since_previous=rng.choice((None, 3.0, 45.0, 7200.0))
            )
        )
    return out


def inprocess_rate(n: int = 100_000, model: bool = True) -> float:
    """Messages per second scored in this process on one core (corpus built and model loaded before the clock)."""
    messages = corpus(n)
    score_message(messages[0], model=model)
    started = time.perf_counter()
    for message in messages:
        score_message(message, model=model)
    return n / (time.perf_counter() - started)


def ingested_events(n: int, chats: int = 20) -> list[MessageIngested]:
    """The same corpus as bus events, spread over a few chats and authors, a few seconds apart."""
    start = datetime.now(UTC) - timedelta(days=1)
    return [
        MessageIngested(
            key=f"telegram:-{1000 + i % chats}:{i}",
            chat_id=f"-{1000 + i % chats}",
            message_id=i,
            text=m.text,
            sent_at=start + timedelta(seconds=3 * i),
            author=Author(source_user_id=str(i % 50)),
            reply_to_message_id=i - 1 if m.is_reply and i else None,
        )
        for i, m in enumerate(corpus(n))
    ]


async def stage_rate(n: int, nats_url: str) -> tuple[float, float]:
    """(steady msg/s from first to last score, msg/s including the stage's start-up) through real JetStream."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js, prefix)
    publisher = Publisher(js, producer="bench", prefix=prefix)
    events = ingested_events(n)
    # Everything is on the stream before the stage starts, so the figure is the stage's, not the producer's.
    for i in range(0, n, 500):
        await publisher.publish_many([(publisher.envelope(e), e.key) for e in events[i : i + 500]])
    seen = 0
    first = last = 0.0
    done = asyncio.Event()

    async def count(_: object) -> None:
        nonlocal seen, first, last
        seen += 1
        last = time.perf_counter()
        first = first or last
        if seen >= n:
            done.set()

    # JetStream publishes are also delivered to core subscribers of the subject: a cheap way to watch them land.
    sub = await nc.subscribe(f"{prefix}.noise_filtering.message_scored", cb=count, pending_msgs_limit=n + 1000)
    stage = build_stage(Settings(nats_url=nats_url, subject_prefix=prefix, log_level="WARNING"))
    started = time.perf_counter()
    try:
        async with serving(stage.app):
            await asyncio.wait_for(done.wait(), timeout=max(60.0, n / 100))
    finally:
        await sub.unsubscribe()
        await js.delete_stream(stream_name(prefix))
        await nc.close()
    steady = (n - 1) / (last - first) if last > first else float("nan")
    return steady, n / (last - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="messages scored in process")
    parser.add_argument("--stage-n", type=int, default=5_000, help="messages sent through the bus")
    parser.add_argument("--no-stage", action="store_true", help="skip the bus measurement")
    args = parser.parse_args(argv)
    rules = inprocess_rate(args.n, model=False)
    rate = inprocess_rate(args.n)
    print(f"scorer in-process: {rate:,.0f} msg/s over {args.n:,} messages (target ≥ 20,000)")
    print(f"  rules alone (TT_SCORER_MODEL=rules): {rules:,.0f} msg/s — the content model costs {1 - rate / rules:.0%}")
    if not args.no_stage:
        configure_logging("WARNING")
        logging.getLogger("faststream").setLevel(logging.WARNING)  # one access line per batch otherwise
        with test_infra() as infra:
            steady, with_startup = asyncio.run(stage_rate(args.stage_n, infra.nats_url))
            # About the size of one message_scored envelope, acks awaited per 100 like the stage's batches.
            ceiling = asyncio.run(raw_publish_rate(infra.nats_url, 700, args.stage_n, window=100))
        print(
            f"scorer stage via JetStream: {steady:,.0f} msg/s over {args.stage_n:,} messages "
            f"({with_startup:,.0f} msg/s including stage start-up; neutral context, no database)"
        )
        print(f"raw nats-py JetStream publish on the same server (batches of 100): {ceiling:,.0f} msg/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
