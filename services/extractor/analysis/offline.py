"""The offline task proposer: the extractor's atom typing finds what calls for work in each conversation.

Problems, blockers and requirements call for work; a decision does when it commits someone to act (a task
word, a deadline or a requirement in the same message). One conversation yields at most one proposal — the
discussion of one piece of work — titled after its most pressing atom and citing every message that asks for
work. A problem answered by a solution later in the same conversation may already be done: it keeps the
proposal but lowers its confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.extractor.analysis.drafts import BatchProposals, ProjectContext, ProposalDraft, higher
from services.extractor.analysis.prefilter import mentions
from services.extractor.atoms import draft_atom
from services.extractor.model import AtomDraft, SourceMessage, clip_title
from services.scorer import lexicon as lx
from shared.contracts.common import Priority, TaskCategory

# Work atom type → (category, base priority, rank: the most pressing one titles the proposal).
WORK_TYPES: dict[str, tuple[TaskCategory, Priority, int]] = {
    "blocker": ("bug", "high", 4),
    "problem": ("bug", "medium", 3),
    "requirement": ("feature", "medium", 2),
    "decision": ("improvement", "medium", 1),
}
CRITICAL = lx.whole_words(
    (
        "outage",
        "production (is )?down",
        "prod (is )?down",
        "sev ?1",
        "p0",
        "data loss",
        "critical",
        r"критичн\w*",
        r"прод (лежить|лежит|впав|упал)",
        r"аварі\w*",
        r"авари\w*",
        r"втрат\w* даних",
        r"потер\w* данных",
    )
)
URGENT = lx.whole_words(("asap", "urgent", r"urgently", "терміново", "срочно", "негайно", "немедленно", "hotfix"))
# A message that reports work as done, or only informs, asks for nothing.
DONE = lx.whole_words(
    (
        "fixed",
        "resolved",
        "done",
        r"passed",
        "merged",
        "deployed",
        "no (new )?(errors|issues)",
        "works now",
        r"виправ(ив|ила|или|лено)",
        r"пофікси(в|ла|ли)",
        r"почисти(в|ла|ли)",
        r"зникл\w*",
        "готово",
        "вирішено",
        r"задеплоїл\w*",
        r"исправ(ил|ила|или|лено)",
        r"пофикси(л|ла|ли)",
        r"почини(л|ла|ли)",
        r"пропал\w*",
        r"задеплоил\w*",
    )
)
INFORMING = re.compile(r"^\W*(fyi|for info|reminder|для інфо|нагадую|напоминаю|к сведению)\b", re.IGNORECASE)
SOLVED_PENALTY = 0.15
TITLE_MAX = 120


def calls_for_work(atom: AtomDraft) -> bool:
    text = lx.normalise(atom.content)
    if INFORMING.search(text) or DONE.search(text):
        return False
    if atom.type in ("problem", "blocker", "requirement"):
        return True
    if atom.type == "decision":
        return bool(lx.TASK.search(text) or lx.DEADLINE.search(text) or lx.REQUIREMENT.search(text))
    return False


def priority_of(texts: Sequence[str], base: Priority, project: ProjectContext | None) -> Priority:
    joined = lx.normalise("\n".join(texts))
    priority = base
    if CRITICAL.search(joined):
        priority = higher(priority, "critical")
    elif URGENT.search(joined):
        priority = higher(priority, "high")
    for rule in project.priority_rules if project else []:
        words = [str(w).casefold() for w in rule.get("keywords", []) or []]  # type: ignore[union-attr]
        if words and mentions(joined, words):
            priority = higher(priority, rule.get("priority", "medium"))  # type: ignore[arg-type]
    return priority


def propose_conversation(conversation: Sequence[SourceMessage], project: ProjectContext | None) -> ProposalDraft | None:
    atoms = [a for a in (draft_atom(m, None) for m in conversation) if a is not None]
    work = [a for a in atoms if calls_for_work(a)]
    if not work:
        return None
    lead = max(work, key=lambda a: (WORK_TYPES[a.type][2], a.confidence))
    category, base, _ = WORK_TYPES[lead.type]
    texts = [a.content for a in work]
    keys = list(dict.fromkeys(k for a in work for k in a.message_keys))
    confidence = sum(a.confidence for a in work) / len(work)
    reasons = [
        f"{len(work)} of {len(conversation)} messages call for work ({', '.join(sorted({a.type for a in work}))})"
    ]
    last_problem = max((i for i, a in enumerate(atoms) if a.type in ("problem", "blocker")), default=None)
    if last_problem is not None and any(a.type == "solution" for a in atoms[last_problem + 1 :]):
        confidence -= SOLVED_PENALTY
        reasons.append("a solution followed in the same conversation: it may be done already")
    components = [
        str(c.get("name"))
        for c in (project.components if project else [])
        if mentions("\n".join(texts), [str(k).casefold() for k in c.get("keywords", []) or []])  # type: ignore[union-attr]
    ]
    description = "\n".join(f"- {a.title}" for a in work) if len(work) > 1 else lead.content
    return ProposalDraft(
        title=clip_title(lead.title, TITLE_MAX),
        description=description,
        priority=priority_of(texts, base, project),
        category=category,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        reasoning="; ".join(reasons),
        tags=sorted({a.type for a in work} | set(components)),
        message_keys=keys,
    )


class OfflineProposer:
    """The default task_proposer: no model, no network; deterministic for the same batch."""

    name = "offline"

    async def propose(
        self, batch: Sequence[Sequence[SourceMessage]], project: ProjectContext | None = None
    ) -> BatchProposals:
        drafts = [d for d in (propose_conversation(c, project) for c in batch) if d is not None]
        return BatchProposals(drafts=drafts)
