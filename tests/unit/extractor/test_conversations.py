from datetime import UTC, datetime, timedelta

import pytest

from services.extractor.conversations import batches, conversations
from services.extractor.model import SourceMessage

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def msg(i: int, seconds: float, chat: str = "c", thread: int | None = None) -> SourceMessage:
    return SourceMessage(
        key=f"k{i}", text=f"m{i}", sent_at=T0 + timedelta(seconds=seconds), chat_id=chat, thread_id=thread
    )


def keys(groups) -> list[list[str]]:
    return [[m.key for m in g] for g in groups]


def test_a_silence_longer_than_ten_minutes_ends_a_conversation() -> None:
    messages = [msg(1, 0), msg(2, 300), msg(3, 900), msg(4, 1501), msg(5, 1600)]
    assert keys(conversations(messages)) == [["k1", "k2", "k3"], ["k4", "k5"]]


def test_threads_group_messages_whatever_the_gaps_and_interleaving() -> None:
    messages = [msg(1, 0, thread=7), msg(2, 10, thread=8), msg(3, 5000, thread=7), msg(4, 5010, thread=8)]
    assert keys(conversations(messages)) == [["k1", "k3"], ["k2", "k4"]]


def test_messages_out_of_order_are_sorted_by_time_and_chats_stay_apart() -> None:
    messages = [msg(2, 60), msg(1, 0), msg(3, 30, chat="other")]
    assert keys(conversations(messages)) == [["k1", "k2"], ["k3"]]


def test_messages_without_times_form_one_conversation_in_their_given_order() -> None:
    messages = [SourceMessage(key="b", text="x"), SourceMessage(key="a", text="y")]
    assert keys(conversations(messages)) == [["b", "a"]]


def test_batches_hold_whole_conversations_up_to_the_batch_size() -> None:
    groups = [[msg(i, i) for i in range(n0, n0 + n)] for n0, n in ((0, 20), (100, 20), (200, 20))]
    packed = batches(groups, 50)
    assert [[len(c) for c in b] for b in packed] == [[20, 20], [20]]


def test_a_conversation_longer_than_the_batch_is_cut_into_consecutive_chunks_without_loss() -> None:
    group = [msg(i, i) for i in range(120)]
    packed = batches([group], 50)
    assert [sum(len(c) for c in b) for b in packed] == [50, 50, 20]
    assert [m.key for b in packed for c in b for m in c] == [m.key for m in group]


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        batches([[msg(1, 0)]], 0)
