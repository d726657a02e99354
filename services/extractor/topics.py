"""Offline topics: message embeddings clustered into discussions, named by their distinctive words.

Measured on the development chat (`bench/extraction_thresholds.py`): multilingual-e5 puts every pair of
team-chat messages in a narrow band (same conversation median 0.86, different conversations 0.83), and the
centroids of two different technical conversations sit at 0.91–0.98. Free clustering of single messages in
that band is mostly noise, so clustering respects what the chat itself says: it runs within a conversation
over *contiguous* segments (merge the most similar neighbouring segments while their centroids agree), and
segments of different conversations join only above `merge_threshold`, a value no two different
development conversations reached.

Names come from class-based TF-IDF (c-TF-IDF, as in BERTopic): a word's frequency inside the cluster times
log(1 + average class size / its frequency over all clusters), so words every cluster shares lose to the words
that make this one distinct. Terms are lemmatised (`vocabulary.terms`), so inflected forms count together.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from services.extractor.model import Vector

DEFAULT_SPLIT_THRESHOLD = 0.90  # neighbouring segments whose centroids agree less are different discussions
DEFAULT_MERGE_THRESHOLD = 0.985  # two conversations form one topic only when their centroids are this close
MIN_SEGMENT = 3


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def segment(
    vectors: Sequence[Vector], threshold: float = DEFAULT_SPLIT_THRESHOLD, min_size: int = MIN_SEGMENT
) -> list[list[int]]:
    """Contiguous agglomerative clustering of one conversation's message vectors (indices, in order)."""
    groups: list[list[int]] = [[i] for i in range(len(vectors))]
    sums: list[Vector] = [np.asarray(v, dtype=np.float32).copy() for v in vectors]

    def similarity(a: int, b: int) -> float:
        return float(_unit(sums[a]) @ _unit(sums[b]))

    def merge(a: int) -> None:  # a with a + 1
        groups[a] += groups.pop(a + 1)
        sums[a] = sums[a] + sums.pop(a + 1)

    while len(groups) > 1:
        scores = [similarity(i, i + 1) for i in range(len(groups) - 1)]
        best = int(np.argmax(scores))
        if scores[best] < threshold:
            break
        merge(best)
    # A segment of one or two messages is a reply inside a discussion, not a discussion of its own.
    while len(groups) > 1:
        small = [i for i, g in enumerate(groups) if len(g) < min_size]
        if not small:
            break
        i = small[0]
        if i == 0:
            merge(0)
        elif i == len(groups) - 1:
            merge(i - 1)
        else:
            merge(i - 1 if similarity(i - 1, i) >= similarity(i, i + 1) else i)
    return groups


def merge_clusters(centroids: Sequence[Vector], threshold: float = DEFAULT_MERGE_THRESHOLD) -> list[list[int]]:
    """Average-linkage agglomeration of cluster centroids (indices into `centroids`) above `threshold`."""
    groups: list[list[int]] = [[i] for i in range(len(centroids))]
    sums = [np.asarray(c, dtype=np.float32).copy() for c in centroids]
    while len(groups) > 1:
        units = np.stack([_unit(s) for s in sums])
        sims = units @ units.T
        np.fill_diagonal(sims, -1.0)
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        groups[a] += groups.pop(b)
        sums[a] = sums[a] + sums.pop(b)
    return groups


def absorb_small(
    centroids: Sequence[Vector], sizes: Sequence[int], threshold: float, min_size: int = MIN_SEGMENT
) -> list[int]:
    """For each cluster, the cluster it joins: a small one (a lone remark after a silence) joins the most
    similar larger cluster when their centroids agree ≥ `threshold`; otherwise every cluster stays itself."""
    units = [_unit(np.asarray(c, dtype=np.float32)) for c in centroids]
    target = list(range(len(units)))
    for i, size in enumerate(sizes):
        if size >= min_size:
            continue
        best, best_sim = i, threshold
        for j, other in enumerate(sizes):
            if j != i and other >= min_size and float(units[i] @ units[j]) >= best_sim:
                best, best_sim = j, float(units[i] @ units[j])
        target[i] = best
    return target


def class_tfidf(classes: Sequence[Counter[str]], background: Counter[str] | None = None) -> list[dict[str, float]]:
    """c-TF-IDF weight of every term of every class; `background` adds corpus frequencies to the IDF."""
    totals: Counter[str] = Counter()
    for counts in classes:
        totals.update(counts)
    if background:
        totals.update(background)
    sizes = [sum(c.values()) for c in classes]
    average = (sum(sizes) + (sum(background.values()) if background else 0)) / max(
        1, len(classes) + (1 if background else 0)
    )
    weights: list[dict[str, float]] = []
    for counts, size in zip(classes, sizes, strict=True):
        weights.append({t: (n / size) * math.log(1.0 + average / totals[t]) for t, n in counts.items()} if size else {})
    return weights


def keywords(
    weights: dict[str, float], spread: Counter[str], surfaces: dict[str, Counter[str]], limit: int = 5
) -> list[str]:
    """The top terms of one class, in their most frequent written form.

    `spread` counts the cluster's messages a term appears in: a word repeated across the discussion says more
    about it than one said five times in one message, so weights are scaled by sqrt(spread).
    """
    ranked = sorted(weights, key=lambda t: (-(weights[t] * math.sqrt(spread[t])), t))
    return [_written(term, surfaces.get(term)) for term in ranked[:limit]]


def _written(term: str, forms: Counter[str] | None) -> str:
    """How to show a term: lower case if anyone wrote it so (a capital at a sentence start is not a name),
    else its most frequent form (acronyms and names: HNSW, Sentry)."""
    if not forms:
        return term
    lowered = [f for f in forms if f == f.lower()]
    return max(lowered, key=lambda f: forms[f]) if lowered else forms.most_common(1)[0][0]


def topic_name(words: Sequence[str], size: int = 3) -> str:
    """2–4 keywords as a readable name ("HNSW, pgvector, ef_construction")."""
    chosen = [w for w in words if w][:size]
    if not chosen:
        return ""
    first = chosen[0]
    chosen[0] = first[:1].upper() + first[1:] if first.islower() and first.isalpha() else first
    return ", ".join(chosen)
