"""The experiment's offline classifier and metrics."""

from __future__ import annotations

import numpy as np

from services.extractor.experiments.scoring import Result, metrics, nearest_topic


def test_nearest_topic_by_cosine_with_alternatives() -> None:
    topics = [("a", np.array([1.0, 0, 0], np.float32)), ("b", np.array([0, 2.0, 0], np.float32))]
    topics.append(("c", np.array([0, 0, 1.0], np.float32)))
    prediction = nearest_topic(np.array([0.1, 0.9, 0.2], np.float32), topics)
    assert prediction.topic == "b" and prediction.alternatives == ["c", "a"] and 0.9 < prediction.confidence <= 1
    assert nearest_topic(None, topics).topic is None and nearest_topic(np.ones(3, np.float32), []).topic is None


def test_metrics_count_no_answer_as_wrong_and_build_the_confusion_matrix() -> None:
    def result(actual: str, predicted: str | None, confidence: float) -> Result:
        return Result(
            message_key="k",
            actual=actual,
            predicted=predicted,
            confidence=confidence,
            alternatives=[],
            latency_ms=2.0,
            correct=actual == predicted,
        )

    summary = metrics([result("a", "a", 0.9), result("a", "b", 0.5), result("b", None, 0.0), result("b", "b", 0.7)])
    assert summary.accuracy == 0.5 and summary.avg_confidence == 0.7 and summary.avg_latency_ms == 2.0
    assert summary.confusion == {"a": {"a": 1, "b": 1}, "b": {"(none)": 1, "b": 1}}
    assert metrics([]).accuracy is None
