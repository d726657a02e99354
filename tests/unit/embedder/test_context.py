"""Short messages are embedded with their conversation; long ones alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.embedder.context import (
    MAX_CONTEXT_CHARS,
    context_text,
    is_short,
    with_context,
)

T0 = datetime(2025, 3, 13, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def test_a_short_message_gets_its_context_after_its_own_text() -> None:
    context = context_text("Пуші приходять ✅", ["Так, в секретах старий ключ APNs. Оновив", "APNs повертає 403"])
    assert context is not None and context.index("в секретах") < context.index("APNs повертає")  # order kept
    assert with_context("Пуші приходять ✅", context).startswith("Пуші приходять ✅\n\n")


def test_a_long_message_is_embedded_alone() -> None:
    long = "Блокер: на iOS не приходять push-сповіщення про поповнення, APNs повертає 403 InvalidProviderToken ok"
    assert not is_short(long)
    assert context_text(long, ["anything"]) is None
    assert context_text("ok", []) is None


def test_context_is_bounded_and_never_repeats_the_message() -> None:
    context = context_text("ок, беру", ["ок, беру", "x" * 5000, "y" * 10])
    assert context is not None and "ок, беру" not in context
    assert len(context) <= MAX_CONTEXT_CHARS
