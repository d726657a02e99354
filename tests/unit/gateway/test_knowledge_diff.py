"""Version diffs: field-level changes and unified text diffs, in any script."""

from __future__ import annotations

from services.gateway.knowledge.diff import snapshot_diff


def test_changed_fields_are_listed_with_before_and_after_and_the_rest_as_unchanged() -> None:
    before = {"type": "problem", "title": "Деплой падає", "content": "a\nb", "confidence": 0.7}
    after = {"type": "blocker", "title": "Деплой падає", "content": "a\nc", "confidence": 0.7}
    diff = snapshot_diff(before, after, from_label="v1", to_label="v2")
    assert diff["changes"] == {"type": {"from": "problem", "to": "blocker"}, "content": {"from": "a\nb", "to": "a\nc"}}
    assert diff["unchanged"] == ["confidence", "title"]
    assert diff["text_diff"] == {"content": "--- content@v1\n+++ content@v2\n@@ -1,2 +1,2 @@\n a\n-b\n+c"}


def test_text_diff_handles_cyrillic_and_fields_that_appear_or_vanish() -> None:
    diff = snapshot_diff({"name": "Розгортання"}, {"name": "Развёртывание", "description": "CI/CD"})
    assert diff["changes"]["description"] == {"from": None, "to": "CI/CD"}
    assert "-Розгортання" in diff["text_diff"]["name"] and "+Развёртывание" in diff["text_diff"]["name"]
    assert diff["text_diff"]["description"].endswith("+CI/CD")


def test_identical_snapshots_have_no_changes() -> None:
    snapshot = {"name": "Deploy", "keywords": ["ci", "cd"]}
    assert snapshot_diff(snapshot, dict(snapshot)) == {
        "changes": {},
        "unchanged": ["keywords", "name"],
        "text_diff": {},
    }
