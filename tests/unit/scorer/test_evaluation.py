"""Evaluation: loading labelled files, metrics, the CLI, and acceptance on the shared dev data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.scorer.evaluation import LabelledMessage, agreement, evaluate, load_labelled, main
from shared.testing.labelled import LABELLED_DIR, scenario_files

DATA = LABELLED_DIR


def write(tmp_path: Path, payload: object, name: str = "labels.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def test_loads_the_documented_messages_format(tmp_path: Path) -> None:
    path = write(tmp_path, {"messages": [{"id": "a", "text": "ok", "label": "noise"}]})
    assert load_labelled(path) == [LabelledMessage("a", "ok", "noise")]


def test_loads_a_bare_list_with_languages(tmp_path: Path) -> None:
    path = write(tmp_path, [{"id": 7, "text": "дякую", "label": "noise", "language": "uk"}])
    assert load_labelled(path) == [LabelledMessage("7", "дякую", "noise", "uk")]


def test_scenario_files_map_strong_signal_to_signal_and_number_by_order(tmp_path: Path) -> None:
    payload = {
        "scenario": "bug",
        "language": "en",
        "messages": [
            {"order": 1, "text": "Hey team!", "expected_label": "noise"},
            {"order": 2, "text": "Found a bug", "expected_label": "strong_signal"},
            {"order": 3, "text": "Which query?", "expected_label": "weak_signal"},
        ],
    }
    items = load_labelled(write(tmp_path, payload))
    assert [(i.id, i.label, i.language) for i in items] == [
        ("bug#1", "noise", "en"),
        ("bug#2", "signal", "en"),
        ("bug#3", "weak_signal", "en"),
    ]


def test_unknown_labels_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown label"):
        load_labelled(write(tmp_path, {"messages": [{"id": "a", "text": "x", "label": "important"}]}))


def test_report_counts_the_confusion_matrix_and_metrics() -> None:
    items = [
        LabelledMessage("n", "👍", "noise"),
        LabelledMessage("w", "щось з кешем", "weak_signal"),
        LabelledMessage("s", "Вирішили: переходимо на TaskIQ до п'ятниці, Ігор робить міграцію БД", "signal"),
        LabelledMessage("s2", "дякую", "signal"),  # deliberately mislabelled: counts as a miss
    ]
    report = evaluate(items)
    assert report.confusion["noise"]["noise"] == 1
    assert report.confusion["weak_signal"]["weak_signal"] == 1
    assert report.confusion["signal"] == {"signal": 1, "weak_signal": 0, "noise": 1}
    assert report.accuracy == pytest.approx(0.75)
    assert report.binary_accuracy == pytest.approx(2 / 3)
    # F1: noise 2/3, weak 1, signal 2/3
    assert report.macro_f1 == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert [r.id for r in report.per_message] == ["n", "w", "s", "s2"]


def test_cli_json_prints_the_documented_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        {
            "messages": [
                {"id": "a", "text": "ok", "label": "noise"},
                {"id": "b", "text": "щось з кешем", "label": "weak_signal"},
            ]
        },
    )
    assert main([str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"accuracy", "macro_f1", "confusion", "per_message"} <= set(out)
    assert out["per_message"][0].keys() == {"id", "score", "predicted"}
    assert out["accuracy"] == 1.0


def test_cli_prints_a_readable_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {"messages": [{"id": "a", "text": "ok", "label": "noise"}]})
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "binary accuracy" in out and "true \\ predicted" in out


def test_cli_reports_a_missing_file_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "absent.json")]) == 2
    assert "error" in capsys.readouterr().err


def test_acceptance_scoring_dev_macro_f1_and_binary_accuracy() -> None:
    report = evaluate(load_labelled(DATA / "scoring_dev.json"))
    assert report.macro_f1 >= 0.88
    assert report.binary_accuracy >= 0.97


def test_acceptance_no_scenario_noise_message_is_classified_signal() -> None:
    files = scenario_files()
    assert files, "expected scenario files"
    offenders = []
    for path in files:
        items = load_labelled(path)
        for item, result in zip(items, evaluate(items).per_message, strict=True):
            if item.label == "noise" and result.predicted == "signal":
                offenders.append((path.name, item.text))
    assert offenders == []


def test_ukrainian_noise_collection_is_almost_all_noise() -> None:
    report = evaluate(load_labelled(DATA / "uk_noise.json"))
    assert report.confusion["noise"]["signal"] == 0
    assert report.accuracy >= 0.95


def test_agreement_gives_class_match_and_macro_f1_over_the_classes_present() -> None:
    assert agreement([("signal", "signal"), ("noise", "noise")]) == (1.0, 1.0)
    accuracy, f1 = agreement([("signal", "signal"), ("signal", "weak_signal"), ("noise", "noise")])
    assert accuracy == pytest.approx(2 / 3)
    assert f1 == pytest.approx((2 / 3 + 0.0 + 1.0) / 3)  # signal 2/3, weak 0 (predicted once, never right), noise 1
    assert agreement([]) == (0.0, 0.0)
