"""A run's plan: re-running on the same messages creates nothing; within a run later batches see earlier ones."""

import hashlib

import numpy as np

from services.extractor.matching import KnownAtom, KnownTopic
from services.extractor.model import SourceMessage
from services.extractor.offline import OfflineExtractor
from services.extractor.planning import KnowledgeView, plan_run
from services.extractor.vocabulary import terms


async def embed(texts: list[str]) -> np.ndarray:
    """A deterministic bag-of-lemmas vector (enough for a unit test of the plumbing, not of quality)."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for lemma, _ in terms(text):
            out[row, int(hashlib.md5(lemma.encode()).hexdigest(), 16) % 256] += 1
        out[row, 0] += 0.1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


MESSAGES = [
    SourceMessage(key="c:1", text="Воркер не встигає обробляти задачі, черга росте до 10k", score=0.9),
    SourceMessage(key="c:2", text="Привіт! 👋", classification="noise", score=0.1),
    SourceMessage(key="c:3", text="Вирішили збільшити кількість воркерів до трьох у compose.yml", score=0.9),
    SourceMessage(key="c:4", text="Виправив: додав replicas: 3 для воркера, черга розібрана за хвилину", score=0.9),
]


def view_after(plan) -> KnowledgeView:
    """What the read model holds once the gateway projected a plan."""
    return KnowledgeView(
        topics=[KnownTopic(id=t.topic_id, name=t.name) for t in plan.topics],
        atoms=[
            KnownAtom(
                id=a.atom_id,
                type=a.type,
                title=a.title,
                content=a.content,
                confidence=a.confidence,
                message_keys=list(a.message_keys),
            )
            for a in plan.atoms
        ],
    )


async def test_a_run_marks_every_message_consumed_and_assigns_topics_to_what_it_grouped() -> None:
    plan = await plan_run("r1", MESSAGES, {}, OfflineExtractor(), embed, KnowledgeView())
    assert plan.consumed == ["c:1", "c:2", "c:3", "c:4"]
    assert len(plan.topics) == 1 and {a.type for a in plan.atoms} == {"problem", "decision", "solution"}
    assert "c:2" not in plan.assignments and set(plan.assignments) == {"c:1", "c:3", "c:4"}
    assert all(a.topics and a.topics[0].topic_id == plan.topics[0].topic_id for a in plan.atoms)
    solves = [link for a in plan.atoms for link in a.links if link.link_type == "solves"]
    assert solves, "the fix solves the problem"


async def test_re_running_on_the_same_messages_creates_no_topic_atom_link_or_version() -> None:
    first = await plan_run("r1", MESSAGES, {}, OfflineExtractor(), embed, KnowledgeView())
    again = await plan_run("r2", MESSAGES, {}, OfflineExtractor(), embed, view_after(first))
    assert (again.topics, again.atoms, again.linked, again.versions) == ([], [], [], [])
    assert again.assignments == first.assignments


async def test_a_run_never_proposes_an_atom_twice_across_its_own_batches() -> None:
    repeated = [
        *MESSAGES,
        *(
            SourceMessage(key=f"d:{m.key}", text=m.text, chat_id="d", score=m.score, classification=m.classification)
            for m in MESSAGES
        ),
    ]
    plan = await plan_run("r1", repeated, {}, OfflineExtractor(), embed, KnowledgeView(), batch_size=4)
    titles = [a.title for a in plan.atoms]
    assert len(titles) == len(set(titles)) == 3  # the second chat's identical atoms are the same atoms again
    assert len(plan.topics) == 1


async def test_checkpoints_are_passed_in_order_for_every_batch() -> None:
    seen: list[str] = []

    async def checkpoint(name: str) -> None:
        seen.append(name)

    await plan_run("r1", MESSAGES, {}, OfflineExtractor(), embed, KnowledgeView(), checkpoint=checkpoint)
    assert seen == ["before_model_call", "after_model_call", "after_topics"]
