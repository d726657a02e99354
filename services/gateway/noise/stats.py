"""Noise statistics from the read model; counts use `effective_classification`, so overrides count."""

from __future__ import annotations

from datetime import date

import asyncpg
import msgspec

from services.scorer.scoring import Thresholds

_CLASS_COUNTS = """
    count(*) FILTER (WHERE {m}effective_classification = 'signal')::int AS signal,
    count(*) FILTER (WHERE {m}effective_classification = 'weak_signal')::int AS weak_signal,
    count(*) FILTER (WHERE {m}effective_classification = 'noise')::int AS noise
"""


class ClassCounts(msgspec.Struct, frozen=True, kw_only=True):
    signal: int = 0
    weak_signal: int = 0
    noise: int = 0

    @property
    def scored(self) -> int:
        return self.signal + self.weak_signal + self.noise


def signal_ratio(counts: ClassCounts) -> float:
    """Share of scored messages that are signal; 0 when nothing is scored yet."""
    return round(counts.signal / counts.scored, 4) if counts.scored else 0.0


class DayTrend(msgspec.Struct, frozen=True, kw_only=True):
    date: date
    total: int
    signal: int
    weak_signal: int
    noise: int
    signal_ratio: float


class NoisyChat(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    title: str | None
    noise: int
    scored: int
    noise_ratio: float


class NoiseStats(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    scored: int
    unscored: int
    overridden: int
    counts: ClassCounts
    signal_ratio: float
    average_score: float | None
    thresholds: dict[str, float]
    trend: list[DayTrend]
    top_noisy_chats: list[NoisyChat]


async def noise_stats(
    pool: asyncpg.Pool, thresholds: Thresholds, *, today: date, days: int = 7, top: int = 5
) -> NoiseStats:
    """Totals, a per-day trend of `days` UTC days ending `today` (by sent_at) and the noisiest chats."""
    async with pool.acquire() as conn:
        totals = await conn.fetchrow(
            f"""
            SELECT count(*)::int AS total,
                   count(*) FILTER (WHERE effective_classification IS NULL)::int AS unscored,
                   count(*) FILTER (WHERE classification_override IS NOT NULL)::int AS overridden,
                   avg(importance_score)::float8 AS average_score,
                   {_CLASS_COUNTS.format(m="")}
            FROM messages
            """
        )
        # Days with no messages still appear, so a chart's x-axis never has gaps.
        trend_rows = await conn.fetch(
            f"""
            SELECT d::date AS day, count(m.id)::int AS total, {_CLASS_COUNTS.format(m="m.")}
            FROM generate_series($1::date - ($2::int - 1), $1::date, interval '1 day') AS d
            LEFT JOIN messages m
                   ON m.sent_at >= d AT TIME ZONE 'UTC' AND m.sent_at < (d + interval '1 day') AT TIME ZONE 'UTC'
            GROUP BY d ORDER BY d
            """,
            today,
            days,
        )
        chat_rows = await conn.fetch(
            """
            SELECT m.chat_id, max(c.title) AS title,
                   count(*) FILTER (WHERE m.effective_classification = 'noise')::int AS noise,
                   count(*) FILTER (WHERE m.effective_classification IS NOT NULL)::int AS scored
            FROM messages m LEFT JOIN chats c ON c.source = m.source AND c.chat_id = m.chat_id
            GROUP BY m.chat_id
            HAVING count(*) FILTER (WHERE m.effective_classification = 'noise') > 0
            ORDER BY noise DESC, m.chat_id
            LIMIT $1
            """,
            top,
        )
    counts = ClassCounts(signal=totals["signal"], weak_signal=totals["weak_signal"], noise=totals["noise"])
    trend = []
    for row in trend_rows:
        day = ClassCounts(signal=row["signal"], weak_signal=row["weak_signal"], noise=row["noise"])
        trend.append(DayTrend(date=row["day"], total=row["total"], signal_ratio=signal_ratio(day), **_counts(day)))
    avg = totals["average_score"]
    return NoiseStats(
        total=totals["total"],
        scored=counts.scored,
        unscored=totals["unscored"],
        overridden=totals["overridden"],
        counts=counts,
        signal_ratio=signal_ratio(counts),
        average_score=None if avg is None else round(avg, 4),
        thresholds={"noise": thresholds.noise, "signal": thresholds.signal},
        trend=trend,
        top_noisy_chats=[
            NoisyChat(
                chat_id=r["chat_id"],
                title=r["title"],
                noise=r["noise"],
                scored=r["scored"],
                noise_ratio=round(r["noise"] / r["scored"], 4) if r["scored"] else 0.0,
            )
            for r in chat_rows
        ],
    )


def _counts(c: ClassCounts) -> dict[str, int]:
    return {"signal": c.signal, "weak_signal": c.weak_signal, "noise": c.noise}


class Bin(msgspec.Struct, frozen=True, kw_only=True):
    start: float
    end: float
    count: int
    by_class: ClassCounts  # the scorer's own label, so a bin straddling a threshold shows the split


class Distribution(msgspec.Struct, frozen=True, kw_only=True):
    bins: list[Bin]
    total: int
    thresholds: dict[str, float]


def histogram_bins(rows: list[tuple[int, ClassCounts]], bins: int) -> list[Bin]:
    """Every bin 1..bins over [0, 1], empty ones included; the top bin is closed so a score of 1 fits."""
    by_bucket = dict(rows)
    out = []
    for b in range(1, bins + 1):
        counts = by_bucket.get(b, ClassCounts())
        out.append(Bin(start=round((b - 1) / bins, 6), end=round(b / bins, 6), count=counts.scored, by_class=counts))
    return out


async def score_distribution(pool: asyncpg.Pool, thresholds: Thresholds, *, bins: int = 10) -> Distribution:
    rows = await pool.fetch(
        """
        SELECT least(width_bucket(importance_score, 0, 1, $1), $1) AS bucket,
               count(*) FILTER (WHERE classification = 'signal')::int AS signal,
               count(*) FILTER (WHERE classification = 'weak_signal')::int AS weak_signal,
               count(*) FILTER (WHERE classification = 'noise')::int AS noise
        FROM messages WHERE importance_score IS NOT NULL
        GROUP BY 1
        """,
        bins,
    )
    parsed = [
        (r["bucket"], ClassCounts(signal=r["signal"], weak_signal=r["weak_signal"], noise=r["noise"])) for r in rows
    ]
    out = histogram_bins(parsed, bins)
    return Distribution(
        bins=out,
        total=sum(b.count for b in out),
        thresholds={"noise": thresholds.noise, "signal": thresholds.signal},
    )
