"""The knowledge digest: recent decisions by topic, open blockers and problems by age, open questions.

Pure: the controller loads atoms, their links and source messages; this module decides what is open, groups,
orders and renders (JSON-ready dicts, or Markdown to paste into a team channel).

Open means: not archived, and for a blocker/problem no live atom linked to it with `solves` (either direction);
for a question no live solution or insight linked to it (any link but `contradicts`). Decisions are those
created within the window; open items are listed whatever their age, oldest first, since age is the point.
Each list holds at most `limit` items (the totals are kept), so a digest stays pasteable.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

PROBLEM_TYPES = ("blocker", "problem")
ANSWER_TYPES = ("solution", "insight")
NO_TOPIC = "No topic"
QUOTE_CHARS = 200
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


@dataclass(frozen=True)
class SourceMessage:
    key: str
    text: str
    author: str | None
    sent_at: datetime


@dataclass(frozen=True)
class DigestAtom:
    id: str
    type: str
    title: str
    content: str
    confidence: float
    approved: bool
    created_at: datetime
    topics: list[tuple[str, str]] = field(default_factory=list)  # (id, name), best match first
    sources: list[SourceMessage] = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    """A link touching a digest atom, seen from it: the other end's type and whether it is archived."""

    atom_id: str
    link_type: str
    other_type: str
    other_archived: bool


@dataclass(frozen=True)
class Digest:
    days: int
    since: datetime
    generated_at: datetime
    topic: tuple[str, str] | None
    decisions: list[tuple[str | None, str, list[DigestAtom]]]  # (topic id, topic name, atoms newest first)
    open_problems: list[DigestAtom]
    open_questions: list[DigestAtom]
    totals: dict[str, int] = field(default_factory=dict)  # before the limit: decisions, open_problems, …


def resolved(atom: DigestAtom, links: list[Link]) -> bool:
    """Whether a blocker/problem has a live solution linked with `solves`, or a question a live answer."""
    live = [link for link in links if link.atom_id == atom.id and not link.other_archived]
    if atom.type in PROBLEM_TYPES:
        return any(link.link_type == "solves" for link in live)
    if atom.type == "question":
        return any(link.other_type in ANSWER_TYPES and link.link_type != "contradicts" for link in live)
    return False


def build_digest(
    atoms: list[DigestAtom],
    links: list[Link],
    *,
    now: datetime,
    days: int,
    topic: tuple[str, str] | None = None,
    limit: int = 50,
) -> Digest:
    since = now - timedelta(days=days)
    by_topic: dict[tuple[str | None, str], list[DigestAtom]] = defaultdict(list)
    for atom in atoms:
        if atom.type == "decision" and atom.created_at >= since:
            key = topic if topic is not None else (atom.topics[0] if atom.topics else (None, NO_TOPIC))
            by_topic[key].append(atom)
    decisions = [
        (topic_id, name, sorted(group, key=lambda a: a.created_at, reverse=True)[:limit])
        for (topic_id, name), group in sorted(by_topic.items(), key=lambda kv: (kv[0][0] is None, kv[0][1].lower()))
    ]

    touching: dict[str, list[Link]] = defaultdict(list)  # by atom: each atom looks at its own links only
    for link in links:
        touching[link.atom_id].append(link)

    def still_open(types: tuple[str, ...]) -> list[DigestAtom]:
        found = [a for a in atoms if a.type in types and not resolved(a, touching.get(a.id, []))]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    problems, questions = still_open(PROBLEM_TYPES), still_open(("question",))
    totals = {
        "decisions": sum(len(group) for group in by_topic.values()),
        "open_problems": len(problems),
        "open_questions": len(questions),
    }
    return Digest(
        days=days,
        since=since,
        generated_at=now,
        topic=topic,
        decisions=decisions,
        open_problems=problems[:limit],
        open_questions=questions[:limit],
        totals=totals,
    )


def shown(digest: Digest) -> list[DigestAtom]:
    """Every atom the digest lists (after the limit): only these need their source messages."""
    return [a for _, _, group in digest.decisions for a in group] + digest.open_problems + digest.open_questions


def with_sources(digest: Digest, sources: dict[str, list[SourceMessage]]) -> Digest:
    """The digest with each listed atom's source messages filled in (by atom id)."""

    def fill(atoms: list[DigestAtom]) -> list[DigestAtom]:
        return [replace(a, sources=sources.get(a.id, [])) for a in atoms]

    return replace(
        digest,
        decisions=[(tid, name, fill(group)) for tid, name, group in digest.decisions],
        open_problems=fill(digest.open_problems),
        open_questions=fill(digest.open_questions),
    )


def age_days(atom: DigestAtom, now: datetime) -> int:
    return max((now - atom.created_at).days, 0)


def _atom_json(atom: DigestAtom, now: datetime) -> dict[str, Any]:
    return {
        "id": atom.id,
        "type": atom.type,
        "title": atom.title,
        "content": atom.content,
        "confidence": round(atom.confidence, 3),
        "approved": atom.approved,
        "created_at": atom.created_at,
        "age_days": age_days(atom, now),
        "topics": [{"id": tid, "name": name} for tid, name in atom.topics],
        "source_messages": [
            {"key": m.key, "text": m.text, "author": m.author, "sent_at": m.sent_at} for m in atom.sources
        ],
    }


def digest_json(digest: Digest) -> dict[str, Any]:
    now = digest.generated_at
    return {
        "days": digest.days,
        "since": digest.since,
        "generated_at": now,
        "topic": {"id": digest.topic[0], "name": digest.topic[1]} if digest.topic else None,
        "decisions": [
            {"topic": {"id": tid, "name": name} if tid else None, "atoms": [_atom_json(a, now) for a in group]}
            for tid, name, group in digest.decisions
        ],
        "open_problems": [_atom_json(a, now) for a in digest.open_problems],
        "open_questions": [_atom_json(a, now) for a in digest.open_questions],
        "totals": digest.totals,
    }


def escape(text: str) -> str:
    """Markdown-inert text on one line (any script passes through untouched)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _quote(message: SourceMessage) -> str:
    text = " ".join(message.text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    who = escape(message.author) if message.author else "unknown"
    return f"  > {who}, {message.sent_at:%Y-%m-%d %H:%M}: {escape(text)}"


def _item(atom: DigestAtom, suffix: str) -> list[str]:
    label = "" if atom.type in ("decision", "question") else f"[{atom.type}] "
    review = "" if atom.approved else " (unreviewed)"
    return [f"- {label}**{escape(atom.title)}**{suffix}{review}", *(_quote(m) for m in atom.sources)]


def _age(atom: DigestAtom, now: datetime) -> str:
    days = age_days(atom, now)
    return " — open since today" if days == 0 else f" — open {days} day{'s' if days != 1 else ''}"


def render_markdown(digest: Digest) -> str:
    now = digest.generated_at
    lines = [f"# Knowledge digest: last {digest.days} days ({digest.since:%Y-%m-%d} – {now:%Y-%m-%d})"]
    if digest.topic:
        lines.append(f"Topic: {escape(digest.topic[1])}")
    lines += ["", "## Decisions"]
    if not digest.decisions:
        lines.append("None.")
    for _, name, group in digest.decisions:
        lines += ["", f"### {escape(name)}"]
        for atom in group:
            lines += _item(atom, f" ({atom.created_at:%Y-%m-%d})")
    lines += ["", "## Open blockers and problems (oldest first)"]
    lines += [line for atom in digest.open_problems for line in _item(atom, _age(atom, now))] or ["None."]
    lines += _more(digest, "open_problems", len(digest.open_problems))
    lines += ["", "## Open questions (oldest first)"]
    lines += [line for atom in digest.open_questions for line in _item(atom, _age(atom, now))] or ["None."]
    lines += _more(digest, "open_questions", len(digest.open_questions))
    return "\n".join(lines) + "\n"


def _more(digest: Digest, section: str, shown: int) -> list[str]:
    hidden = digest.totals.get(section, shown) - shown
    return [f"…and {hidden} more."] if hidden > 0 else []
