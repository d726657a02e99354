"""The LLM judge's answers: enum-validated, per-item fallback, scores agreeing with the thresholds."""

from __future__ import annotations

import json

import pytest

from services.scorer.llm_judge import JudgeOutputError, Verdict, VerdictFactors, parse_verdicts, reconciled_score
from services.scorer.scoring import Thresholds, classify

FACTORS = {"knowledge_value": 0.8, "actionability": 0.7, "urgency": 0.2}


def item(i: str | int, classification: str = "signal", score: float = 0.9, **extra: object) -> dict[str, object]:
    return {"id": i, "score": score, "classification": classification, "reasoning": "why", "factors": FACTORS, **extra}


def test_a_well_formed_answer_yields_one_verdict_per_id() -> None:
    verdicts = parse_verdicts(json.dumps({"results": [item("0"), item("1", "noise", 0.05)]}))
    assert set(verdicts) == {"0", "1"}
    assert verdicts["1"].classification == "noise"
    assert verdicts["0"].factors.knowledge_value == 0.8


def test_json_in_a_code_fence_and_numeric_ids_are_accepted() -> None:
    verdicts = parse_verdicts("```json\n" + json.dumps({"results": [item(3)]}) + "\n```")
    assert list(verdicts) == ["3"]


def test_an_unknown_class_or_out_of_range_score_drops_only_that_item() -> None:
    answer = {"results": [item("0", "important"), item("1", score=1.7), item("2", "weak_signal", 0.5)]}
    assert list(parse_verdicts(json.dumps(answer))) == ["2"]


def test_an_item_missing_its_factors_is_dropped() -> None:
    broken = item("0")
    del broken["factors"]
    assert parse_verdicts(json.dumps({"results": [broken]})) == {}


@pytest.mark.parametrize("content", [None, "", "I think these are all signal!", '{"answer": 1}', "[1, 2"])
def test_an_unusable_answer_raises_so_the_whole_batch_falls_back(content: str | None) -> None:
    with pytest.raises(JudgeOutputError):
        parse_verdicts(content)


@pytest.mark.parametrize(
    ("classification", "score"),
    [("signal", 0.4), ("signal", 0.95), ("noise", 0.5), ("noise", 0.1), ("weak_signal", 0.9), ("weak_signal", 0.0)],
)
def test_the_stored_score_always_agrees_with_the_models_class_under_the_thresholds(
    classification: str, score: float
) -> None:
    thresholds = Thresholds(noise=0.3, signal=0.6)
    verdict = Verdict(id="0", score=score, classification=classification, factors=VerdictFactors(**FACTORS))  # type: ignore[arg-type]
    assert classify(reconciled_score(verdict, thresholds), thresholds) == classification
