"""Pure parts of an experiment: the offline classifier (nearest topic embedding) and the metrics."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class Prediction(msgspec.Struct, frozen=True, kw_only=True):
    topic: str | None  # None: no answer (no embedding, or the classifier failed)
    confidence: float = 0.0
    alternatives: list[str] = []


class Result(msgspec.Struct, frozen=True, kw_only=True):
    message_key: str
    actual: str
    predicted: str | None
    confidence: float
    alternatives: list[str]
    latency_ms: float
    correct: bool
    error: str | None = None


def nearest_topic(vector: Vector | None, topics: Sequence[tuple[str, Vector]], alternatives: int = 2) -> Prediction:
    """The topic whose embedding is closest (cosine); confidence is that similarity clipped to 0–1."""
    if vector is None or not topics:
        return Prediction(topic=None)
    names = [name for name, _ in topics]
    matrix = np.stack([v for _, v in topics]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-12
    query = vector.astype(np.float32) / (np.linalg.norm(vector) + 1e-12)
    similarity = matrix @ query
    order = np.argsort(-similarity, kind="stable")
    best = int(order[0])
    return Prediction(
        topic=names[best],
        confidence=round(float(max(0.0, min(1.0, similarity[best]))), 4),
        alternatives=[names[int(i)] for i in order[1 : 1 + alternatives]],
    )


class Metrics(msgspec.Struct, frozen=True, kw_only=True):
    accuracy: float | None
    avg_confidence: float | None
    avg_latency_ms: float | None
    confusion: dict[str, dict[str, int]]


def metrics(results: Sequence[Result]) -> Metrics:
    """Accuracy over every sampled message (no answer counts as wrong); confusion: actual → predicted → count."""
    if not results:
        return Metrics(accuracy=None, avg_confidence=None, avg_latency_ms=None, confusion={})
    confusion: dict[str, dict[str, int]] = {}
    for r in results:
        row = confusion.setdefault(r.actual, {})
        predicted = r.predicted or "(none)"
        row[predicted] = row.get(predicted, 0) + 1
    answered = [r for r in results if r.predicted is not None]
    return Metrics(
        accuracy=round(sum(r.correct for r in results) / len(results), 4),
        avg_confidence=round(sum(r.confidence for r in answered) / len(answered), 4) if answered else None,
        avg_latency_ms=round(sum(r.latency_ms for r in results) / len(results), 3),
        confusion=confusion,
    )
