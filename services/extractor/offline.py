"""The offline extractor (the default): no provider, no network, deterministic.

Per batch: each conversation's substantive messages are clustered into discussions (`topics.segment`),
discussions of different conversations that are near-identical join (`topics.merge_clusters`), every
discussion with at least one atom becomes a topic named by c-TF-IDF keywords, and its messages become typed
atoms (`atoms.draft_atom`) linked to each other (`atoms.link_atoms`). The same input always gives the same
output, so re-running a run proposes the same topics and atoms (and matching then creates nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from services.extractor import topics as tp
from services.extractor.atoms import draft_atom, is_noise, link_atoms, title_of
from services.extractor.model import (
    MIN_CONFIDENCE,
    AtomDraft,
    BatchExtraction,
    LinkDraft,
    SourceMessage,
    TopicDraft,
    Vector,
)
from services.extractor.vocabulary import terms


class OfflineExtractor:
    """Clusters + keywords + rules; `background` term counts (the whole run's text) sharpen keyword IDF."""

    name = "offline"

    def __init__(
        self,
        *,
        split_threshold: float = tp.DEFAULT_SPLIT_THRESHOLD,
        merge_threshold: float = tp.DEFAULT_MERGE_THRESHOLD,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.split_threshold = split_threshold
        self.merge_threshold = merge_threshold
        self.min_confidence = min_confidence

    async def extract(
        self,
        conversations: Sequence[Sequence[SourceMessage]],
        vectors: Mapping[str, Vector],
        background: Counter[str] | None = None,
    ) -> BatchExtraction:
        clusters = self._clusters(conversations, vectors)
        drafted: list[tuple[list[SourceMessage], list[AtomDraft]]] = []
        for cluster in clusters:
            atoms = [a for a in (draft_atom(m, None) for m in cluster) if a and a.confidence >= self.min_confidence]
            if atoms:
                drafted.append((cluster, atoms))
        if not drafted:
            return BatchExtraction()
        names = self._names([cluster for cluster, _ in drafted], background)
        topics: list[TopicDraft] = []
        all_atoms: list[AtomDraft] = []
        links: list[LinkDraft] = []
        for (cluster, atoms), (name, words) in zip(drafted, names, strict=True):
            offset = len(all_atoms)
            named = [
                AtomDraft(
                    type=a.type,
                    title=a.title,
                    content=a.content,
                    confidence=a.confidence,
                    message_keys=a.message_keys,
                    topic=name,
                )
                for a in atoms
            ]
            all_atoms.extend(named)
            links.extend(
                msgspec.structs.replace(link, source=link.source + offset, target=link.target + offset)
                for link in link_atoms(named)
            )
            first = next(m for m in cluster if m.key == atoms[0].message_keys[0])
            topics.append(
                TopicDraft(
                    name=name,
                    description=title_of(first.text, atoms[0].type),
                    keywords=words,
                    confidence=round(min(0.95, 0.7 + 0.05 * len(atoms)), 3),
                    message_keys=[m.key for m in cluster],
                )
            )
        return BatchExtraction(topics=topics, atoms=all_atoms, links=links)

    def _clusters(
        self, conversations: Sequence[Sequence[SourceMessage]], vectors: Mapping[str, Vector]
    ) -> list[list[SourceMessage]]:
        segments: list[list[SourceMessage]] = []
        for conversation in conversations:
            content = [m for m in conversation if not is_noise(m)]
            if not content:
                continue
            known = [vectors[m.key] for m in content if m.key in vectors]
            fallback = np.mean(known, axis=0) if known else np.ones(1, dtype=np.float32)
            if not known:  # nothing embedded: the conversation is one discussion
                segments.append(content)
                continue
            vecs = [vectors.get(m.key, fallback) for m in content]
            segments.extend([content[i] for i in group] for group in tp.segment(vecs, self.split_threshold))
        if len(segments) < 2:
            return segments
        centroids = []
        for seg in segments:
            known = [vectors[m.key] for m in seg if m.key in vectors]
            centroids.append(np.mean(known, axis=0) if known else None)
        dim = next((c.shape[0] for c in centroids if c is not None), 1)
        # A segment without vectors gets an orthogonal-ish placeholder so it never merges.
        filled = [c if c is not None else np.zeros(dim, dtype=np.float32) for c in centroids]
        merged = tp.merge_clusters(filled, self.merge_threshold)
        clusters = [[m for index in sorted(group) for m in segments[index]] for group in merged]
        sums = [np.sum([filled[i] * len(segments[i]) for i in group], axis=0) for group in merged]
        target = tp.absorb_small(sums, [len(c) for c in clusters], self.split_threshold)
        joined: dict[int, list[SourceMessage]] = {}
        for index, cluster in enumerate(clusters):
            joined.setdefault(target[index], []).extend(cluster)
        return list(joined.values())

    @staticmethod
    def _names(
        clusters: Sequence[Sequence[SourceMessage]], background: Counter[str] | None
    ) -> list[tuple[str, list[str]]]:
        counts: list[Counter[str]] = []
        spreads: list[Counter[str]] = []
        surfaces: dict[str, Counter[str]] = {}
        for cluster in clusters:
            count: Counter[str] = Counter()
            spread: Counter[str] = Counter()
            for message in cluster:
                found = terms(message.text, message.language)
                count.update(t for t, _ in found)
                spread.update({t for t, _ in found})
                for t, surface in found:
                    surfaces.setdefault(t, Counter())[surface] += 1
            counts.append(count)
            spreads.append(spread)
        weights = tp.class_tfidf(counts, background)
        out: list[tuple[str, list[str]]] = []
        used: set[str] = set()
        for weight, spread in zip(weights, spreads, strict=True):
            words = tp.keywords(weight, spread, surfaces, limit=6)
            name = tp.topic_name(words) or "Discussion"
            if name.lower() in used and len(words) > 3:  # two discussions of one batch never share a name
                name = tp.topic_name(words, size=4)
            used.add(name.lower())
            out.append((name, words))
        return out


def background_terms(messages: Sequence[SourceMessage]) -> Counter[str]:
    """Term counts over every message a run reads (noise included): the chat's everyday vocabulary."""
    counts: Counter[str] = Counter()
    for message in messages:
        counts.update(t for t, _ in terms(message.text, message.language))
    return counts
