"""Evaluate the scorer on labelled messages: ``tracker eval scoring FILE [--json] [--overrides FILE] [--cv]``.

Messages are scored in file order through the same ``score_message`` the service calls, with neutral author,
timing and topic.  A file is one chat: a text said again counts as a repeat, as in the live pipeline
(``--independent`` scores each message alone).  ``--overrides`` replays reviewers' overrides of that chat,
applied in order before the evaluation; ``--cv`` adds k-fold cross-validation of the content model on the
training data (needs the dev dependencies).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec

from services.scorer.adaptation import OverrideExample
from services.scorer.features import repeat_key, text_grams
from services.scorer.model import ContentModel
from services.scorer.scoring import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    ScoringInput,
    ScoringWeights,
    Thresholds,
    score_message,
)

__all__ = ["LABELS", "LabelledMessage", "MessageResult", "Report", "agreement", "evaluate", "load_labelled", "main"]

LABELS: Final = ("signal", "weak_signal", "noise")
_LABEL_ALIASES: Final = {
    "signal": "signal",
    "strong_signal": "signal",
    "strong": "signal",
    "weak_signal": "weak_signal",
    "weak": "weak_signal",
    "noise": "noise",
}


class LabelledMessage(msgspec.Struct, frozen=True):
    id: str
    text: str
    label: str  # one of LABELS
    language: str | None = None


class MessageResult(msgspec.Struct, frozen=True):
    id: str
    score: float
    predicted: str


class Report(msgspec.Struct, frozen=True, kw_only=True):
    accuracy: float
    macro_f1: float
    binary_accuracy: float  # true signal vs true noise; a prediction counts as noise only if labelled noise
    confusion: dict[str, dict[str, int]]  # true label → predicted label → count
    per_message: list[MessageResult]


def _label(raw: Any, where: str) -> str:
    label = _LABEL_ALIASES.get(str(raw).strip().lower())
    if label is None:
        raise ValueError(f"{where}: unknown label {raw!r}")
    return label


def load_labelled(path: str | Path) -> list[LabelledMessage]:
    """Read labelled messages from a ``{"messages": [...]}`` file, a bare list, or a scenario file."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        rows = data.get("messages")
        prefix = str(data.get("scenario") or path.stem)
        default_language = data.get("language")
    else:
        rows, prefix, default_language = data, path.stem, None
    if not isinstance(rows, list):
        raise ValueError(f"{path}: expected a list of messages or an object with 'messages'")
    items: list[LabelledMessage] = []
    for index, row in enumerate(rows):
        where = f"{path}:{index}"
        if not isinstance(row, dict) or "text" not in row:
            raise ValueError(f"{where}: message needs a 'text'")
        raw_label = row.get("label", row.get("expected_label"))
        if raw_label is None:
            raise ValueError(f"{where}: message needs a 'label' or 'expected_label'")
        if "id" in row:
            msg_id = str(row["id"])
        else:  # scenario files number their messages instead of naming them
            msg_id = f"{prefix}#{row.get('order', index + 1)}"
        language = row.get("language", default_language)
        items.append(
            LabelledMessage(
                msg_id, str(row["text"]), _label(raw_label, where), None if language is None else str(language)
            )
        )
    return items


def _f1(confusion: dict[str, dict[str, int]], label: str) -> float:
    tp = confusion[label][label]
    predicted = sum(confusion[t][label] for t in LABELS)
    actual = sum(confusion[label].values())
    if predicted == 0 or actual == 0:
        return 0.0
    precision, recall = tp / predicted, tp / actual
    return 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)


def agreement(pairs: Iterable[tuple[str, str]]) -> tuple[float, float]:
    """(accuracy, macro-F1) of (true, predicted) class pairs, macro over the classes present in either."""
    confusion = {t: dict.fromkeys(LABELS, 0) for t in LABELS}
    for true, predicted in pairs:
        confusion[true][predicted] += 1
    total = sum(sum(row.values()) for row in confusion.values())
    present = [t for t in LABELS if sum(confusion[t].values()) or sum(confusion[x][t] for x in LABELS)]
    if not total:
        return 0.0, 0.0
    return sum(confusion[t][t] for t in LABELS) / total, sum(_f1(confusion, t) for t in present) / len(present)


def override_examples(items: Iterable[LabelledMessage]) -> tuple[OverrideExample, ...]:
    """Overrides to replay, in the order given (a labelled file: the label is the reviewer's class)."""
    return tuple(OverrideExample(text_grams(item.text), item.label) for item in items)


def evaluate(
    items: Iterable[LabelledMessage],
    weights: ScoringWeights = DEFAULT_WEIGHTS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    model: ContentModel | bool | None = True,
    chat_context: bool = True,
    overrides: tuple[OverrideExample, ...] = (),
) -> Report:
    """Score every item (neutral author, timing and topic) and compare with its label."""
    confusion = {t: dict.fromkeys(LABELS, 0) for t in LABELS}
    results: list[MessageResult] = []
    binary_total = binary_right = 0
    said: dict[str, int] = {}
    for item in items:
        repeats = 0
        if chat_context:
            key = repeat_key(item.text)
            repeats = said.get(key, 0)
            said[key] = repeats + 1
        inp = ScoringInput(text=item.text, language=item.language, repeats=repeats, overrides=overrides)
        result = score_message(inp, weights, thresholds, model=model)
        confusion[item.label][result.classification] += 1
        results.append(MessageResult(item.id, result.score, result.classification))
        if item.label != "weak_signal":
            # The filter question: is it noise?  Weak and strong predictions both keep a message.
            binary_total += 1
            binary_right += (result.classification == "noise") == (item.label == "noise")
    total = len(results)
    correct = sum(confusion[t][t] for t in LABELS)
    present = [t for t in LABELS if sum(confusion[t].values()) or sum(confusion[x][t] for x in LABELS)]
    return Report(
        accuracy=correct / total if total else 0.0,
        macro_f1=sum(_f1(confusion, t) for t in present) / len(present) if present else 0.0,
        binary_accuracy=binary_right / binary_total if binary_total else 0.0,
        confusion=confusion,
        per_message=results,
    )


def _table(report: Report) -> str:
    width = max(len(t) for t in LABELS) + 2
    header = "true \\ predicted".ljust(18) + "".join(t.rjust(width) for t in LABELS)
    lines = [header]
    for t in LABELS:
        lines.append(t.ljust(18) + "".join(str(report.confusion[t][p]).rjust(width) for p in LABELS))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``tracker eval scoring FILE [--json]``; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="tracker eval scoring", description="Score labelled messages and report accuracy."
    )
    parser.add_argument("file", type=Path, help="labelled messages (JSON)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--overrides", type=Path, help="labelled messages replayed as overrides of the chat first")
    parser.add_argument("--independent", action="store_true", help="score each message alone (no repeats)")
    parser.add_argument("--rules", action="store_true", help="rules only, without the learned content model")
    parser.add_argument("--cv", type=int, nargs="?", const=5, metavar="K", help="also K-fold CV on the training data")
    args = parser.parse_args(argv)
    try:
        items = load_labelled(args.file)
        replay = override_examples(load_labelled(args.overrides)) if args.overrides else ()
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = evaluate(items, model=not args.rules, chat_context=not args.independent, overrides=replay)
    try:
        cv = _cross_validation(args.cv) if args.cv else None
    except ImportError as exc:  # scikit-learn is a dev dependency: images built with --no-dev lack it
        print(f"error: --cv needs the dev dependencies (uv sync): {exc}", file=sys.stderr)
        return 2
    if args.json:
        payload = {
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "binary_accuracy": report.binary_accuracy,
            "confusion": report.confusion,
            "per_message": [{"id": r.id, "score": r.score, "predicted": r.predicted} for r in report.per_message],
        }
        if cv is not None:
            payload["cross_validation"] = cv
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(f"messages:         {len(report.per_message)}")
        print(f"accuracy:         {report.accuracy:.3f}")
        print(f"macro-F1:         {report.macro_f1:.3f}")
        print(f"binary accuracy:  {report.binary_accuracy:.3f}  (signal vs noise, weak_signal excluded)")
        print()
        print(_table(report))
        if cv is not None:
            print()
            print(
                f"{cv['folds']}-fold cross-validation of the content model on {cv['messages']} training messages: "
                f"macro-F1 {cv['macro_f1']:.3f} ± {cv['macro_f1_sd']:.3f}, accuracy {cv['accuracy']:.3f}"
            )
    return 0


def _cross_validation(folds: int) -> dict[str, Any]:
    from services.scorer.training import cross_validate, training_set

    items = training_set()
    results = cross_validate(items, folds)
    f1 = [r["macro_f1"] for r in results]
    mean = sum(f1) / len(f1)
    return {
        "folds": folds,
        "messages": len(items),
        "macro_f1": mean,
        "macro_f1_sd": (sum((v - mean) ** 2 for v in f1) / len(f1)) ** 0.5,
        "accuracy": sum(r["accuracy"] for r in results) / len(results),
        "per_fold": results,
    }


if __name__ == "__main__":
    raise SystemExit(main())
