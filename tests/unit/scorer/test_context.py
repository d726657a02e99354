"""Scoring context: author ratios, chat gaps and the caches that keep look-ups cheap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scorer.context import (
    MIN_HISTORY,
    NEUTRAL_CONTEXT,
    AuthorCache,
    AuthorRecord,
    ChatClock,
    ChatMemory,
    MessageContext,
    TtlCache,
    gap_seconds,
    latest_before,
    scoring_input,
    smoothed_signal_ratio,
)
from services.scorer.scoring import NEUTRAL, score_message

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_an_author_with_too_little_history_stays_neutral() -> None:
    assert smoothed_signal_ratio(None) is None
    assert smoothed_signal_ratio(AuthorRecord(signal=2, total=MIN_HISTORY - 1)) is None


def test_author_ratio_is_pulled_toward_neutral_and_converges_with_history() -> None:
    few = smoothed_signal_ratio(AuthorRecord(signal=3, total=3))
    many = smoothed_signal_ratio(AuthorRecord(signal=200, total=200))
    assert few is not None and many is not None
    assert NEUTRAL < few < many < 1.0
    assert many > 0.98
    never = smoothed_signal_ratio(AuthorRecord(signal=0, total=200))
    assert never is not None and never < 0.02


def test_author_ratio_never_leaves_zero_to_one_even_on_inconsistent_counts() -> None:
    ratio = smoothed_signal_ratio(AuthorRecord(signal=50, total=10))
    assert ratio is not None and 0.0 <= ratio <= 1.0


def test_gap_is_unknown_without_a_previous_message_or_when_the_previous_is_later() -> None:
    assert gap_seconds(T0, None) is None
    assert gap_seconds(None, T0) is None
    assert gap_seconds(T0, T0 + timedelta(seconds=5)) is None
    assert gap_seconds(T0 + timedelta(seconds=90), T0) == 90.0


def test_latest_before_picks_the_closest_earlier_candidate_from_any_source() -> None:
    earlier, closer, later = T0 - timedelta(minutes=5), T0 - timedelta(seconds=3), T0 + timedelta(seconds=1)
    assert latest_before(T0, earlier, None, closer, later) == closer
    assert latest_before(T0, later, T0) is None  # the message itself (same time) is not its own predecessor


def test_chat_clock_remembers_the_latest_message_per_chat_and_ignores_older_ones() -> None:
    clock = ChatClock()
    clock.record("-1", T0)
    clock.record("-1", T0 - timedelta(hours=1))  # a late, older message must not move the clock back
    assert clock.previous("-1", T0 + timedelta(seconds=4)) == T0
    assert clock.previous("-1", T0) is None
    assert clock.previous("-2", T0) is None


def test_chat_clock_is_bounded() -> None:
    clock = ChatClock(max_chats=2)
    for chat in ("a", "b", "c"):
        clock.record(chat, T0)
    assert clock.previous("a", T0 + timedelta(seconds=1)) is None
    assert clock.previous("c", T0 + timedelta(seconds=1)) == T0


def test_author_cache_expires_entries_after_the_ttl_and_evicts_the_least_recent() -> None:
    cache = AuthorCache(ttl_s=60, max_authors=2)
    cache.put("u1", AuthorRecord(1, 5), now=0)
    assert cache.get("u1", now=59) == AuthorRecord(1, 5)
    assert cache.get("u1", now=61) is None
    cache.put("a", AuthorRecord(1, 1), now=100)
    cache.put("b", AuthorRecord(2, 2), now=100)
    cache.get("a", now=101)  # "a" is now the most recently used
    cache.put("c", AuthorRecord(3, 3), now=102)
    assert cache.get("b", now=103) is None
    assert cache.get("a", now=103) is not None


def test_context_reaches_the_score_factors() -> None:
    text = "the deploy failed again, rolled back to v1.2"
    neutral = score_message(scoring_input(text, "en", NEUTRAL_CONTEXT))
    assert neutral.factors["author"] == NEUTRAL and neutral.factors["temporal"] == NEUTRAL
    trusted = score_message(
        scoring_input(text, "en", MessageContext(author_signal_ratio=0.9, is_reply=True, seconds_since_previous=7200))
    )
    assert trusted.factors["author"] == 0.9
    assert trusted.factors["temporal"] > NEUTRAL
    assert trusted.score > neutral.score


def test_context_cannot_lift_pure_noise_out_of_the_noise_band() -> None:
    best = MessageContext(author_signal_ratio=1.0, is_reply=True, seconds_since_previous=86_400)
    for text in ("ok", "дякую", "+", "😂😂"):
        assert score_message(scoring_input(text, None, best)).classification == "noise"


def test_chat_memory_counts_the_burst_before_a_message() -> None:
    memory = ChatMemory()
    for seconds in (0, 20, 50, 55):
        memory.record("-1", f"k{seconds}", f"text {seconds}", T0 + timedelta(seconds=seconds))
    assert memory.burst("-1", T0 + timedelta(seconds=70)) == 3  # 20, 50 and 55 s are within the minute
    assert memory.burst("-1", T0 + timedelta(seconds=55)) == 3  # only messages before it count
    assert memory.burst("-2", T0) == 0


def test_chat_memory_counts_repeats_of_a_text_within_the_window_apart_from_the_message_itself() -> None:
    memory = ChatMemory()
    memory.record("-1", "a", "Хтось бачив мій зарядник?", T0)
    memory.record("-1", "b", "хтось  бачив мій зарядник", T0 + timedelta(hours=1))
    memory.record("-2", "c", "хтось бачив мій зарядник?", T0)
    later = T0 + timedelta(hours=2)
    assert memory.repeats("-1", "new", "ХТОСЬ бачив мій зарядник?!", later, window_s=86_400) == 2
    assert memory.repeats("-1", "new", "хтось бачив мій зарядник?", later, window_s=3_600) == 1
    assert memory.repeats("-1", "b", "хтось бачив мій зарядник?", later, window_s=86_400) == 1  # not itself


def test_chat_memory_survives_a_message_recorded_twice_being_evicted() -> None:
    """A redelivery after a NATS restart records the same message again; evicting both copies must not fail."""
    memory = ChatMemory(per_chat=2)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    memory.record("-7", "telegram:-7:1", "Реліз 1", t0)
    memory.record("-7", "telegram:-7:1", "Реліз 1", t0)  # redelivered
    for i in range(2, 6):
        memory.record("-7", f"telegram:-7:{i}", "Реліз 1" if i == 5 else f"Реліз {i}", t0 + timedelta(seconds=i))
    assert memory.repeats("-7", "telegram:-7:9", "реліз 1", t0 + timedelta(seconds=9), window_s=60) == 1


def test_author_cache_counts_messages_scored_in_process_until_the_stored_record_returns() -> None:
    cache = AuthorCache(ttl_s=60)
    cache.count("u1", signal=True, now=0)
    cache.count("u1", signal=False, now=1)
    assert cache.get("u1", now=2) == AuthorRecord(1, 2)
    cache.put("u2", AuthorRecord(3, 4), now=0)
    cache.count("u2", signal=True, now=30)
    assert cache.get("u2", now=31) == AuthorRecord(4, 5)
    assert cache.get("u2", now=61) is None  # the TTL runs from the stored read, so the database catches up


def test_timing_factor_varies_with_the_gap_burst_and_reply() -> None:
    def temporal(**kwargs: object) -> float:
        return score_message(scoring_input("the deploy failed again", "en", MessageContext(**kwargs))).factors[
            "temporal"
        ]

    values = [temporal(seconds_since_previous=gap) for gap in (1, 10, 60, 600, 7200)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert temporal(seconds_since_previous=60, burst=4) < temporal(seconds_since_previous=60)
    assert temporal(is_reply=True) > temporal()


def test_ttl_cache_expires_values() -> None:
    cache: TtlCache[frozenset[str]] = TtlCache(ttl_s=10)
    cache.put("-1", frozenset({"deploy"}), now=0)
    assert cache.get("-1", now=5) == frozenset({"deploy"})
    assert cache.get("-1", now=11) is None
