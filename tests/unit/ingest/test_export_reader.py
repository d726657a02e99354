"""Telegram Desktop export reader: shapes, message kinds, chat filter, faults and bounded memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.ingest.export_reader import (
    ExportError,
    ExportSummary,
    Rejected,
    count_messages_hint,
    read_export,
)
from shared.contracts.messages import MessageIngested

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo" / "telegram_export.json"


def msg(id_: int, text: Any = "hi", **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "type": "message",
        "date": "2025-03-10T09:00:00",
        "date_unixtime": str(1741590000 + id_),
        "from": "Олена Коваль",
        "from_id": "user5012345601",
        "text": text,
        **extra,
    }


def chat(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": "Kvitka", "type": "private_supergroup", "id": 1987654321, "messages": messages, **extra}


def read(doc: Any, **kwargs: Any) -> list[MessageIngested | Rejected]:
    return list(read_export(io.BytesIO(json.dumps(doc, ensure_ascii=False, indent=1).encode()), **kwargs))


def test_single_chat_export_gives_bot_api_chat_ids_and_utc_times() -> None:
    [event] = read(chat([msg(1, "Привіт усім")]))
    assert isinstance(event, MessageIngested)
    assert event.key == "telegram:-1001987654321:1"
    assert (event.channel, event.chat_type, event.chat_title) == ("export", "supergroup", "Kvitka")
    assert event.sent_at == datetime(2025, 3, 10, 7, 0, 1, tzinfo=UTC)  # unixtime, not the local "date"
    assert event.author is not None and event.author.source_user_id == "5012345601"
    assert event.language == "uk"


def test_text_as_entity_list_is_flattened() -> None:
    text = ["Логи: ", {"type": "code", "text": "HTTP 502"}, " див. ", {"type": "link", "text": "https://x.io"}]
    [event] = read(chat([msg(1, text)]))
    assert isinstance(event, MessageIngested)
    assert event.text == "Логи: HTTP 502 див. https://x.io"
    assert [(e.type, e.offset, e.length) for e in event.entities] == [("code", 6, 8), ("url", 20, 12)]


def test_text_entities_field_is_used_when_text_is_absent() -> None:
    raw = msg(1)
    del raw["text"]
    raw["text_entities"] = [{"type": "plain", "text": "a "}, {"type": "bold", "text": "b"}]
    [event] = read(chat([raw]))
    assert isinstance(event, MessageIngested) and event.text == "a b"


def test_replies_forwards_and_edits() -> None:
    events = read(
        chat(
            [
                msg(1, "Білд впав"),
                msg(2, "Дивлюсь", reply_to_message_id=1, edited="2025-03-10T09:05:00", edited_unixtime="1741590300"),
                msg(3, "Maintenance on Saturday", forwarded_from="Kvitka Status"),
            ]
        )
    )
    _, reply, forward = events
    assert isinstance(reply, MessageIngested) and isinstance(forward, MessageIngested)
    assert reply.reply_to_message_id == 1
    assert reply.edited_at == datetime(2025, 3, 10, 7, 5, tzinfo=UTC)
    assert forward.forwarded_from == "Kvitka Status"


def test_media_caption_is_the_text_and_media_without_caption_gets_a_placeholder() -> None:
    photo = msg(1, "Баланс не оновлюється", photo="(File not included.)", photo_file_size=1000, width=1, height=2)
    sticker = msg(2, "", file="(File not included.)", media_type="sticker", sticker_emoji="😀")
    voice = msg(3, "", file="voice.ogg", media_type="voice_message", mime_type="audio/ogg", file_size=9)
    events = read(chat([photo, sticker, voice]))
    assert [e.text for e in events if isinstance(e, MessageIngested)] == [
        "Баланс не оновлюється",
        "[sticker 😀]",
        "[voice message]",
    ]
    assert [e.attachments[0].kind for e in events if isinstance(e, MessageIngested)] == ["photo", "sticker", "voice"]


def test_service_messages_are_skipped_and_counted() -> None:
    join = {"id": 2, "type": "service", "date_unixtime": "1741590002", "action": "join_group_by_link", "text": ""}
    summary = ExportSummary()
    events = read(chat([msg(1), join, msg(3)]), summary=summary)
    assert [e.message_id for e in events if isinstance(e, MessageIngested)] == [1, 3]
    assert summary.skipped == {"service message: join_group_by_link": 1}
    assert (summary.messages, summary.ingested) == (3, 2)


def test_bad_messages_are_rejected_with_position_and_reason_and_reading_goes_on() -> None:
    summary = ExportSummary()
    events = read(
        chat([msg(1), {"type": "message", "text": "no id"}, msg(3, date_unixtime="soon"), msg(4, "")]), summary=summary
    )
    rejected = [e for e in events if isinstance(e, Rejected)]
    assert [(r.position, r.reason) for r in rejected] == [
        (1, "missing or non-integer message id"),
        (2, "not a unix timestamp: 'soon'"),
        (3, "empty message (no text and no media)"),
    ]
    assert rejected[1].message_id == 3 and rejected[1].chat_id == "-1001987654321"
    assert summary.ingested == 1 and sum(summary.rejected.values()) == 3


def full_export() -> dict[str, Any]:
    group = {"name": "Family", "type": "private_group", "id": 4242, "messages": [msg(1, "Вечеря о 7")]}
    return {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 5012345601, "first_name": "Олена"},
        "chats": {"about": "…", "list": [chat([msg(1), msg(2)]), group]},
        "left_chats": {
            "about": "…",
            "list": [{"name": "Old", "type": "public_channel", "id": 7, "messages": [msg(9)]}],
        },
    }


def test_full_export_reads_every_chat_and_the_same_message_id_in_two_chats_is_two_keys() -> None:
    keys = [e.key for e in read(full_export()) if isinstance(e, MessageIngested)]
    assert keys == [
        "telegram:-1001987654321:1",
        "telegram:-1001987654321:2",
        "telegram:-4242:1",
        "telegram:-1000000000007:9",
    ]


@pytest.mark.parametrize("wanted", ["Family", "family", "4242", "-4242"])
def test_chat_filter_by_name_or_id(wanted: str) -> None:
    summary = ExportSummary()
    events = read(full_export(), chat=wanted, summary=summary)
    assert [e.key for e in events if isinstance(e, MessageIngested)] == ["telegram:-4242:1"]
    assert summary.chats == ["Family"] and summary.chats_filtered_out == ["Kvitka", "Old"]


def test_truncated_file_raises_with_position_after_yielding_the_complete_messages() -> None:
    data = json.dumps(chat([msg(i) for i in range(1, 6)]), indent=1).encode()
    cut = data.index(b'"id": 4') + 3
    events: list[Any] = []
    with pytest.raises(ExportError) as caught:
        events.extend(read_export(io.BytesIO(data[:cut])))
    assert [e.message_id for e in events] == [1, 2, 3]
    assert caught.value.position == cut
    assert caught.value.line == data[:cut].count(b"\n") + 1
    assert "truncated" in caught.value.reason


def test_corrupt_file_raises_with_line_and_reason_after_yielding_earlier_messages() -> None:
    data = json.dumps(chat([msg(i) for i in range(1, 6)]), indent=1).encode()
    bad_at = data.index(b'"id": 4')
    corrupt = data[:bad_at] + b'"id": 4x' + data[bad_at + 7 :]
    events: list[Any] = []
    with pytest.raises(ExportError) as caught:
        events.extend(read_export(io.BytesIO(corrupt)))
    assert [e.message_id for e in events] == [1, 2, 3]
    # yajl reports where it gave up: at or just past the bad byte.
    assert bad_at + 6 <= caught.value.position <= bad_at + 9
    assert caught.value.line == corrupt[:bad_at].count(b"\n") + 1
    assert "invalid char" in caught.value.reason
    assert f"line {caught.value.line}" in str(caught.value)


def test_json_that_is_not_an_export_is_an_error() -> None:
    with pytest.raises(ExportError, match="no chat with messages"):
        read({"hello": "world"})
    with pytest.raises(ExportError, match="must be a list"):
        read({"name": "x", "type": "private_group", "id": 1, "messages": {"oops": 1}})


def test_chat_id_after_messages_is_a_clear_error() -> None:
    with pytest.raises(ExportError, match="chat 'id'"):
        read({"name": "x", "messages": [msg(1)], "id": 1})


def test_demo_export_reads_cleanly() -> None:
    summary = ExportSummary()
    events = list(read_export(DEMO, summary=summary))
    assert 300 <= summary.messages <= 400
    assert not summary.rejected and summary.skipped == {"service message: join_group_by_link": 1}
    languages = {e.language for e in events if isinstance(e, MessageIngested)}
    assert {"uk", "en"} <= languages
    assert count_messages_hint(DEMO) == summary.messages  # small file: the hint is exact


def write_big_export(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"name": "Big", "type": "private_supergroup", "id": 1500000000, "messages": [\n')
        for i in range(1, count + 1):
            text: Any = ["Перевірте ", {"type": "bold", "text": "білд"}, f" #{i}"] if i % 3 else f"Build {i} is green"
            out.write(("," if i > 1 else "") + json.dumps(msg(i, text, reply_to_message_id=i - 1), ensure_ascii=False))
            out.write("\n")
        out.write("]}\n")


def test_fifty_thousand_messages_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    write_big_export(path, 50_000)
    tracemalloc.start()
    try:
        count = sum(1 for event in read_export(path) if isinstance(event, MessageIngested))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert path.stat().st_size > 10 * peak  # the file is far bigger than what was held at once
    assert 40_000 <= count_messages_hint(path) <= 60_000
