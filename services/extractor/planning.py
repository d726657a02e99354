"""One extraction run, from messages to the knowledge events it will publish — without any I/O.

The stage and `tracker eval extraction` both call `plan_run`, so what the eval measures is what runs. It
groups conversations, batches them, asks the extractor (offline or LLM) per batch, embeds what was proposed
and matches it against the knowledge base as the run sees it: the read model's topics and atoms plus what the
run itself created so far (the read model lags behind the bus). Nothing is published here: the caller
publishes the plan only when every batch succeeded and the run was not cancelled, so a failed or cancelled
run leaves the knowledge base unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol

import msgspec
import numpy as np

from services.extractor.conversations import DEFAULT_BATCH_SIZE, DEFAULT_GAP_S, conversation_batches
from services.extractor.matching import KnownAtom, KnownTopic, Thresholds, further_topics, match_atom, match_topic
from services.extractor.model import BatchExtraction, SourceMessage, Vector, atom_snapshot
from services.extractor.offline import background_terms
from shared.contracts.knowledge import (
    AtomCreated,
    AtomLink,
    AtomLinked,
    AtomTopic,
    TopicCreated,
    VersionCreated,
    atom_id_for,
    topic_id_for,
)

Embed = Callable[[list[str]], Awaitable[np.ndarray]]
Checkpoint = Callable[[str], Awaitable[None]]


class Extractor(Protocol):
    name: str

    async def extract(
        self, conversations: Sequence[Sequence[SourceMessage]], vectors: Mapping[str, Vector], background: object
    ) -> BatchExtraction: ...


class KnowledgeView(msgspec.Struct, kw_only=True):
    """Topics and atoms the run matches against; the run appends what it creates."""

    topics: list[KnownTopic] = []
    atoms: list[KnownAtom] = []
    atom_versions: dict[str, int] = {}  # atom id → latest version number known


class RunPlan(msgspec.Struct, kw_only=True):
    run_id: str
    consumed: list[str] = []
    assignments: dict[str, str] = {}  # message key → topic id
    topics: list[TopicCreated] = []
    atoms: list[AtomCreated] = []
    linked: list[AtomLinked] = []
    versions: list[VersionCreated] = []
    topic_names: dict[str, str] = {}  # topic id → name, every topic the run touched
    topic_messages: dict[str, list[str]] = {}  # topic id → message keys assigned by this run
    messages_processed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def links_created(self) -> int:
        return sum(len(a.links) for a in self.atoms) + sum(len(a.links) for a in self.linked)


async def _no_checkpoint(_: str) -> None:
    return None


async def plan_run(
    run_id: str,
    messages: Sequence[SourceMessage],
    vectors: Mapping[str, Vector],
    extractor: Extractor,
    embed: Embed,
    knowledge: KnowledgeView,
    *,
    thresholds: Thresholds = Thresholds(),
    batch_size: int = DEFAULT_BATCH_SIZE,
    gap_s: float = DEFAULT_GAP_S,
    checkpoint: Checkpoint = _no_checkpoint,
    on_batch: Callable[[RunPlan], Awaitable[None]] | None = None,
) -> RunPlan:
    """Plan the run's knowledge events; raises whatever the extractor raises (the run then fails)."""
    plan = RunPlan(run_id=run_id, consumed=[m.key for m in messages])
    vectors = dict(vectors)
    missing = [m for m in messages if m.key not in vectors and m.classification != "noise" and m.text.strip()]
    if missing:
        embedded = await embed([m.text for m in missing])
        vectors.update({m.key: embedded[i] for i, m in enumerate(missing)})
    background = background_terms(messages)
    for batch in conversation_batches(messages, gap_s, batch_size):
        await checkpoint("before_model_call")
        extraction = await extractor.extract(batch, vectors, background)
        await checkpoint("after_model_call")
        plan.prompt_tokens += extraction.prompt_tokens
        plan.completion_tokens += extraction.completion_tokens
        await _apply(plan, extraction, embed, knowledge, thresholds, checkpoint)
        plan.messages_processed += sum(len(c) for c in batch)
        if on_batch is not None:
            await on_batch(plan)
    return plan


async def _apply(
    plan: RunPlan,
    extraction: BatchExtraction,
    embed: Embed,
    knowledge: KnowledgeView,
    thresholds: Thresholds,
    checkpoint: Checkpoint,
) -> None:
    texts = [f"{t.name}\n\n{t.description}" for t in extraction.topics]
    texts += [f"{a.title}\n\n{a.content}" for a in extraction.atoms]
    vecs = await embed(texts) if texts else np.empty((0, 0), dtype=np.float32)
    topic_vecs, atom_vecs = vecs[: len(extraction.topics)], vecs[len(extraction.topics) :]

    topic_ids: dict[str, tuple[str, float]] = {}  # proposed name → (topic id, similarity)
    for draft, vector in zip(extraction.topics, topic_vecs, strict=True):
        existing = match_topic(draft.name, vector, knowledge.topics, thresholds)
        if existing is not None:
            topic_id = existing.id
            similarity = float(existing.vector @ vector) if existing.vector is not None else 1.0
        else:
            topic_id, similarity = topic_id_for(draft.name), 1.0
            knowledge.topics.append(KnownTopic(id=topic_id, name=draft.name, vector=vector))
            plan.topics.append(
                TopicCreated(
                    topic_id=topic_id,
                    name=draft.name,
                    description=draft.description,
                    keywords=draft.keywords,
                    confidence=draft.confidence,
                    message_keys=draft.message_keys,
                    run_id=plan.run_id,
                )
            )
        topic_ids[draft.name] = (topic_id, round(similarity, 4))
        plan.topic_names.setdefault(topic_id, existing.name if existing else draft.name)
        for key in draft.message_keys:
            plan.assignments[key] = topic_id
        plan.topic_messages.setdefault(topic_id, []).extend(draft.message_keys)
    await checkpoint("after_topics")

    resolved: list[str | None] = []  # each draft's atom id (created or matched), None when dropped
    created: list[AtomCreated | None] = []
    for draft, vector in zip(extraction.atoms, atom_vecs, strict=True):
        atom_id = atom_id_for(draft.type, draft.title, draft.message_keys)
        decision = match_atom(draft, atom_id, vector, knowledge.atoms, thresholds)
        primary = topic_ids.get(draft.topic or "")
        if decision.kind in ("same", "version"):
            assert decision.target_id is not None
            resolved.append(decision.target_id)
            created.append(None)
            if decision.kind == "version":
                version = knowledge.atom_versions.get(decision.target_id, 1) + 1
                knowledge.atom_versions[decision.target_id] = version
                plan.versions.append(
                    VersionCreated(
                        entity="atom",
                        entity_id=decision.target_id,
                        version=version,
                        snapshot=atom_snapshot(
                            draft.type, draft.title, draft.content, draft.confidence, draft.message_keys
                        ),
                        created_by="extractor",
                        reason=f"near-identical atom extracted again (cosine {decision.similarity:.3f})",
                        run_id=plan.run_id,
                    )
                )
            continue
        topics = [AtomTopic(topic_id=primary[0], similarity=primary[1])] if primary else []
        exclude = {t.topic_id for t in topics}
        topics += [
            AtomTopic(topic_id=tid, similarity=s)
            for tid, s in further_topics(vector, knowledge.topics, exclude, thresholds)
        ]
        links = []
        if decision.kind == "relate" and decision.target_id:
            links.append(
                AtomLink(
                    target_atom_id=decision.target_id,
                    link_type="relates_to",
                    strength=round(decision.similarity or 0.0, 4),
                )
            )
        atom = AtomCreated(
            atom_id=atom_id,
            type=draft.type,
            title=draft.title,
            content=draft.content,
            confidence=draft.confidence,
            message_keys=draft.message_keys,
            topics=topics,
            links=links,
            run_id=plan.run_id,
        )
        knowledge.atoms.append(
            KnownAtom(
                id=atom_id,
                type=draft.type,
                title=draft.title,
                content=draft.content,
                confidence=draft.confidence,
                message_keys=list(draft.message_keys),
                vector=vector,
            )
        )
        resolved.append(atom_id)
        created.append(atom)

    # Links inside the batch: only where at least one end is new, so a re-run adds none.
    extra: dict[str, list[AtomLink]] = {}
    for link in extraction.links:
        if not (0 <= link.source < len(resolved) and 0 <= link.target < len(resolved)):
            continue
        source, target = resolved[link.source], resolved[link.target]
        if source is None or target is None or source == target:
            continue
        if created[link.source] is None and created[link.target] is None:
            continue
        extra.setdefault(source, []).append(
            AtomLink(target_atom_id=target, link_type=link.link_type, strength=link.strength)
        )
    for atom in created:
        if atom is None:
            continue
        more = extra.pop(atom.atom_id, [])
        plan.atoms.append(msgspec.structs.replace(atom, links=[*atom.links, *more]) if more else atom)
    for source, links in extra.items():
        plan.linked.append(AtomLinked(atom_id=source, links=links, run_id=plan.run_id))
