"""Scorer quality: k-fold cross-validation on the training data and figures on the held-out sets.

Run: ``uv run python bench/scorer_quality.py [--folds K] [--nested]``.  Training data is data/labelled + data/train;
the files in data/heldout/ (scoring_heldout*.json) were each written before they were first evaluated and are
never trained on.  The learned content model and the rules alone are shown on each held-out set, with class match
and macro-F1 per language (cross-validation: out-of-fold predictions per language).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from services.scorer.evaluation import LabelledMessage, agreement, evaluate, load_labelled
from services.scorer.training import REPO_DATA, cross_validate, out_of_fold, summary, training_set

HELDOUT = sorted((REPO_DATA / "heldout").glob("scoring_heldout*.json"))


def per_language(items: Sequence[LabelledMessage], predicted: Sequence[str]) -> str:
    """ "uk 0.95/0.94 (n=76)" per language: class match / macro-F1."""
    parts = []
    for language in sorted({m.language or "?" for m in items}):
        pairs = [(m.label, p) for m, p in zip(items, predicted, strict=True) if (m.language or "?") == language]
        accuracy, f1 = agreement(pairs)
        parts.append(f"{language} {accuracy:.2f}/{f1:.2f} (n={len(pairs)})")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--nested", action="store_true", help="also nested CV (C chosen inside each fold; slow)")
    args = parser.parse_args(argv)
    items = training_set()
    print(f"{args.folds}-fold CV on {len(items)} training messages: {summary(cross_validate(items, args.folds))}")
    if args.nested:
        nested = cross_validate(items, args.folds, c_reg=None)
        print(f"nested {args.folds}-fold CV (C per fold {[f['c'] for f in nested]}): {summary(nested)}")
    print(f"  per language, class match/macro-F1: {per_language(items, out_of_fold(items, args.folds))}")
    for path in HELDOUT:
        heldout = load_labelled(path)
        for name, model in (("content model", True), ("rules alone", False)):
            report = evaluate(heldout, model=model)
            print(
                f"{path.name} ({len(heldout)} messages, {name}): macro-F1 {report.macro_f1:.3f}, "
                f"class match {report.accuracy:.3f}, signal-vs-noise {report.binary_accuracy:.3f}"
            )
            print(f"  per language: {per_language(heldout, [r.predicted for r in report.per_message])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
