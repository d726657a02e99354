"""Scorer throughput: in-process messages per second over a generated multilingual corpus.

Run: ``uv run python bench/scorer.py [N]``.  The bus stage measurement is added separately; it should report
next to ``inprocess_rate`` so both figures come from one command.
"""

from __future__ import annotations

import random
import sys
import time

from services.scorer.scoring import ScoringInput, score_message

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


def inprocess_rate(n: int = 100_000) -> float:
    """Messages per second scored in this process on one core (corpus built before the clock starts)."""
    messages = corpus(n)
    started = time.perf_counter()
    for message in messages:
        score_message(message)
    return n / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 100_000
    rate = inprocess_rate(n)
    print(f"scorer in-process: {rate:,.0f} msg/s over {n:,} messages (target ≥ 20,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
