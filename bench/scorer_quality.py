"""Scorer quality: k-fold cross-validation on the training data and figures on the held-out set.

Run: ``uv run python bench/scorer_quality.py [--folds K]``.  Training data is data/labelled + data/train;
data/heldout/scoring_heldout.json was written before the model and is never trained on.  Both the learned
content model and the rules alone are shown on the held-out set.
"""

from __future__ import annotations

import argparse
import math

from services.scorer.evaluation import evaluate, load_labelled
from services.scorer.training import REPO_DATA, cross_validate, training_set

HELDOUT = REPO_DATA / "heldout" / "scoring_heldout.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    items = training_set()
    folds = cross_validate(items, args.folds)
    f1 = [f["macro_f1"] for f in folds]
    mean = sum(f1) / len(f1)
    sd = math.sqrt(sum((v - mean) ** 2 for v in f1) / len(f1))
    accuracy = sum(f["accuracy"] for f in folds) / len(folds)
    print(
        f"{args.folds}-fold CV on {len(items)} training messages: "
        f"macro-F1 {mean:.3f} ± {sd:.3f}, accuracy {accuracy:.3f}"
    )
    heldout = load_labelled(HELDOUT)
    for name, model in (("content model", True), ("rules alone", False)):
        report = evaluate(heldout, model=model)
        print(
            f"held-out ({len(heldout)} messages, {name}): macro-F1 {report.macro_f1:.3f}, "
            f"class match {report.accuracy:.3f}, signal-vs-noise {report.binary_accuracy:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
