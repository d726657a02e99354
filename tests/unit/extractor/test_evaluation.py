import json
from pathlib import Path

import pytest

from services.extractor.evaluation import load_messages, main


def write(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def test_bad_files_are_refused_with_the_field_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(write(tmp_path, {"messages": [{"id": 1}]}))]) == 2
    assert "messages[0]: needs 'id' and 'text'" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"messages\[1\].id: duplicate"):
        load_messages(write(tmp_path, {"messages": [{"id": 1, "text": "a"}, {"id": 1, "text": "b"}]}))
    with pytest.raises(ValueError, match=r"messages\[0\].sent_at: needs a time zone"):
        load_messages(write(tmp_path, {"messages": [{"id": 1, "text": "a", "sent_at": "2026-01-01T10:00:00"}]}))


def test_json_output_names_topics_and_atoms_by_the_input_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = [
        {"id": "a", "text": "Привіт всім! 👋", "sent_at": "2026-01-05T09:00:00Z"},
        {
            "id": "b",
            "text": "Після деплою API повертає 502 на /api/v1/messages, у логах nginx upstream timeout",
            "sent_at": "2026-01-05T09:01:00Z",
        },
        {
            "id": "c",
            "text": "Виправив: збільшив proxy_read_timeout до 60 с у nginx.conf, 502 більше немає",
            "sent_at": "2026-01-05T09:05:00Z",
        },
        {"id": "d", "text": "дякую!", "sent_at": "2026-01-05T09:06:00Z"},
    ]
    assert main([str(write(tmp_path, {"messages": messages})), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"topics", "atoms"}
    assert len(result["topics"]) == 1 and set(result["topics"][0]) == {"name", "keywords", "message_ids"}
    assert set(result["topics"][0]["message_ids"]) == {"b", "c"}
    kinds = {a["type"]: a for a in result["atoms"]}
    assert set(kinds) == {"problem", "solution"}
    assert kinds["solution"]["message_ids"] == ["c"] and kinds["solution"]["topics"] == [result["topics"][0]["name"]]
    assert all(a["confidence"] >= 0.7 for a in result["atoms"])
