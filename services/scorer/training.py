"""Train the content model and measure it by cross-validation: ``python -m services.scorer.training``.

Training data: every labelled file in ``data/labelled/`` (the development copy) and ``data/train/`` (labelled
messages written for this model).  ``data/heldout/`` is never read here: it is the test set.  Identical texts
(after lower-casing) are kept in one fold, so cross-validation never scores a message it has trained on.
The result is deterministic (fixed seed, deterministic solver) and written as ``content_model.json``.
scikit-learn is needed here only (dev dependency); scoring reads the JSON in pure Python.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from services.scorer.evaluation import LabelledMessage, evaluate, load_labelled
from services.scorer.features import text_grams, text_words, word_grams
from services.scorer.model import DEFAULT_MODEL_PATH, ContentModel, Head
from services.scorer.rules import RULE_FEATURES, rule_evidence

__all__ = [
    "C_GRID",
    "REPO_DATA",
    "cross_validate",
    "fit",
    "main",
    "out_of_fold",
    "select_c",
    "training_files",
    "training_set",
]

REPO_DATA: Final = Path(__file__).resolve().parents[2] / "data"
SEED: Final = 13
# Inverse L2 strength, one value for both heads: the grid value `select_c` picks by 5-fold CV on the training set
# (`--nested` measures that choice honestly: each outer fold picks its own C by inner CV on its training part).
C_GRID: Final = (1.0, 2.0, 4.0, 8.0, 16.0)
C_REG: Final = 16.0
MIN_DF: Final = 2  # an n-gram seen in one message only is that message, not a pattern
_RANK: Final = {"noise": 0, "weak_signal": 1, "signal": 2}


def training_files(data: Path = REPO_DATA) -> list[Path]:
    return sorted((data / "labelled").glob("*.json")) + sorted((data / "train").glob("*.json"))


def training_set(paths: Sequence[Path] | None = None) -> list[LabelledMessage]:
    items: list[LabelledMessage] = []
    for path in paths if paths is not None else training_files():
        items.extend(load_labelled(path))
    return items


def _matrix(items: Sequence[LabelledMessage], vocabulary: dict[str, int] | None = None) -> tuple[Any, dict[str, int]]:
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    if vocabulary is None:
        counts: dict[str, int] = {}  # document frequency
        for m in items:
            for g in text_grams(m.text):
                counts[g] = counts.get(g, 0) + 1
        vocabulary = {g: i for i, g in enumerate(sorted(g for g, c in counts.items() if c >= MIN_DF))}
    rows, cols, vals = [], [], []
    for r, m in enumerate(items):
        # The bag of the words' n-grams (repeats count) scaled by 1/sqrt of its size, as model.py sums them.
        bag = [g for word in text_words(m.text) for g in word_grams(word)]
        scale = 1.0 / math.sqrt(len(bag)) if bag else 0.0
        for g in bag:
            col = vocabulary.get(g)
            if col is not None:
                rows.append(r)
                cols.append(col)
                vals.append(scale)
    # Duplicate (row, col) entries are summed: an n-gram twice in a message counts twice.
    grams_matrix = csr_matrix((vals, (rows, cols)), shape=(len(items), len(vocabulary)))
    rules = np.array([rule_evidence(m.text).features() for m in items], dtype=float)
    return hstack([csr_matrix(rules), grams_matrix]).tocsr(), vocabulary


def fit(items: Sequence[LabelledMessage], c_reg: float = C_REG, seed: int = SEED) -> ContentModel:
    """Both ordinal heads on `items`; deterministic for a given seed."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x, vocabulary = _matrix(items)
    rank = np.array([_RANK[m.label] for m in items])
    heads = []
    for positive in (rank >= 1, rank == 2):
        clf = LogisticRegression(C=c_reg, class_weight="balanced", max_iter=5000, random_state=seed)
        clf.fit(x, positive.astype(int))
        heads.append((float(clf.intercept_[0]), clf.coef_[0]))
    n_rules = len(RULE_FEATURES)
    (b_any, w_any), (b_sig, w_sig) = heads
    grams: dict[str, tuple[float, float]] = {}
    for gram, col in vocabulary.items():
        a, s = round(float(w_any[n_rules + col]), 4), round(float(w_sig[n_rules + col]), 4)
        if a or s:
            grams[gram] = (a, s)
    return ContentModel(
        not_noise=Head(round(b_any, 6), tuple(round(float(v), 6) for v in w_any[:n_rules])),
        signal=Head(round(b_sig, 6), tuple(round(float(v), 6) for v in w_sig[:n_rules])),
        grams=grams,
        trained_on=len(items),
        seed=seed,
    )


def cross_validate(
    items: Sequence[LabelledMessage],
    folds: int = 5,
    seed: int = SEED,
    c_reg: float | None = C_REG,
    inner_folds: int = 4,
) -> list[dict[str, float]]:
    """Per-fold accuracy and macro-F1 of a model trained on the other folds (identical texts grouped).

    ``c_reg=None`` is nested cross-validation: each outer fold chooses C from `C_GRID` by an inner CV on its own
    training part, so the figure includes the cost of choosing the regularisation.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels = [m.label for m in items]
    groups = [m.text.strip().lower() for m in items]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    results = []
    for train_idx, test_idx in splitter.split(list(range(len(items))), labels, groups):
        train = [items[i] for i in train_idx]
        c_fold = select_c(train, folds=inner_folds, seed=seed) if c_reg is None else c_reg
        model = fit(train, c_reg=c_fold, seed=seed)
        report = evaluate([items[i] for i in test_idx], model=model, chat_context=False)
        results.append({"accuracy": report.accuracy, "macro_f1": report.macro_f1, "size": len(test_idx), "c": c_fold})
    return results


def out_of_fold(items: Sequence[LabelledMessage], folds: int = 5, seed: int = SEED, c_reg: float = C_REG) -> list[str]:
    """Each item's class predicted by the model trained on the other folds (the same splits as `cross_validate`)."""
    from sklearn.model_selection import StratifiedGroupKFold

    labels = [m.label for m in items]
    groups = [m.text.strip().lower() for m in items]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = [""] * len(items)
    for train_idx, test_idx in splitter.split(list(range(len(items))), labels, groups):
        model = fit([items[i] for i in train_idx], c_reg=c_reg, seed=seed)
        report = evaluate([items[i] for i in test_idx], model=model, chat_context=False)
        for i, result in zip(test_idx, report.per_message, strict=True):
            predicted[i] = result.predicted
    return predicted


def select_c(
    items: Sequence[LabelledMessage], grid: Sequence[float] = C_GRID, folds: int = 5, seed: int = SEED
) -> float:
    """The grid value with the best mean CV macro-F1 on `items` (the stronger regularisation on a tie)."""
    best_c, best_f1 = grid[0], -1.0
    for c in sorted(grid):
        f1 = sum(r["macro_f1"] for r in cross_validate(items, folds, seed, c_reg=c)) / folds
        if f1 > best_f1 + 1e-9:
            best_c, best_f1 = c, f1
    return best_c


def summary(folds: Sequence[dict[str, float]]) -> str:
    """ "macro-F1 mean ± sd, accuracy" of per-fold results (population sd over the folds)."""
    f1 = [f["macro_f1"] for f in folds]
    mean = sum(f1) / len(f1)
    sd = math.sqrt(sum((v - mean) ** 2 for v in f1) / len(f1))
    accuracy = sum(f["accuracy"] for f in folds) / len(folds)
    return f"macro-F1 {mean:.3f} ± {sd:.3f}, accuracy {accuracy:.3f}"


def write_model(model: ContentModel, path: Path = DEFAULT_MODEL_PATH) -> None:
    payload = {
        "about": "Content model of the importance scorer; reproduce with `uv run python -m services.scorer.training`.",
        "rule_features": list(RULE_FEATURES),
        "trained_on": model.trained_on,
        "seed": model.seed,
        "not_noise": {"bias": model.not_noise.bias, "rules": list(model.not_noise.rules)},
        "signal": {"bias": model.signal.bias, "rules": list(model.signal.rules)},
        "grams": dict(sorted(model.grams.items())),
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the scorer's content model on data/labelled + data/train.")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="where to write the model")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: skip)")
    parser.add_argument("--c", type=float, default=C_REG, help="inverse regularisation strength")
    parser.add_argument("--nested", action="store_true", help="also nested CV (C chosen inside each fold)")
    parser.add_argument("--select-c", action="store_true", help="print the C that CV on all training data picks")
    args = parser.parse_args(argv)
    items = training_set()
    if args.select_c:
        print(f"C chosen by {args.folds or 5}-fold CV from {list(C_GRID)}: {select_c(items, folds=args.folds or 5)}")
    if args.folds:
        plain = cross_validate(items, args.folds, c_reg=args.c)
        print(f"{args.folds}-fold CV on {len(items)} messages: {summary(plain)}")
        if args.nested:
            nested = cross_validate(items, args.folds, c_reg=None)
            print(f"nested {args.folds}-fold CV (C per fold {[f['c'] for f in nested]}): {summary(nested)}")
    model = fit(items, c_reg=args.c)
    write_model(model, args.out)
    print(f"wrote {args.out} ({len(model.grams)} n-gram weights, trained on {model.trained_on} messages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
