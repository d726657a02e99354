"""Scoring context: author ratios, chat gaps and the caches that keep look-ups cheap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scorer.context import (
    MIN_HISTORY,
    NEUTRAL_CONTEXT,
    AuthorCache,
    AuthorRecord,
    ChatClock,
    MessageContext,
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
