"""Offline atoms: one typed atom per substantive message, and the links between atoms of one discussion.

Noise never becomes an atom: messages the scorer (or a person) classed as noise are skipped before typing, and
so are messages that are only greetings, thanks or agreement. A weak_signal message becomes an atom only
when a specific rule typed it and it says enough (`MIN_WEAK_WORDS`); confidence then decides (SPEC §3 drops
everything below 0.7).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from services.extractor.atom_rules import atom_type
from services.extractor.model import AtomDraft, LinkDraft, SourceMessage, clip_title
from services.scorer import lexicon as lx
from shared.contracts.common import AtomType

MIN_WEAK_WORDS: Final = 6
MIN_WORDS: Final = 3
_SENTENCE: Final = re.compile(r"(?<=[.!?])\s+|\n+")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯІЇЄҐ0-9\"'«(])")
_CODE_BLOCK: Final = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_LIST_MARKER: Final = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")
_LEAD_NOISE: Final = re.compile(r"^[\W_]*$")


def _words(text: str) -> int:
    return len(lx.WORD.findall(text))


def _is_filler(sentence: str) -> bool:
    """ "Good catch!", "Ага!", "Perfect." — a sentence that only reacts."""
    segment = lx.normalise(sentence).lower().strip(" .!?,:;-—()🙏👍🎯🤔😅")
    return not segment or bool(_LEAD_NOISE.match(segment)) or lx.NOISE_SEGMENT.fullmatch(segment) is not None


def sentences(text: str) -> list[str]:
    """Sentences outside code blocks; list markers dropped; a split only before a capital letter or a marker."""
    prose = _CODE_BLOCK.sub(" ", text)
    out: list[str] = []
    for line in prose.splitlines():
        line = _LIST_MARKER.sub("", line).strip()
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def title_of(text: str, kind: AtomType | None = None) -> str:
    """The sentence that says what the message is about.

    A question's title is its first question; otherwise the first sentence that is not a reaction, with a
    list heading ("Three options:") joined to its first item and a fragment ("Performance at scale.") joined
    to what follows until it says enough.
    """
    parts = [s for s in sentences(text) if not _is_filler(s)] or [text.strip()]
    if kind == "question":
        asked = next((i for i, s in enumerate(parts) if s.endswith("?")), None)
        if asked is not None:
            parts = parts[asked:]
    start = 0
    while start < len(parts) - 1 and _words(parts[start]) < 3 and parts[start].endswith("!"):
        start += 1  # "Знайшов!", "Good catch!"
    title = parts[start]
    for following in parts[start + 1 :]:
        if not (title.endswith(":") or _words(title) < 4):
            break
        title = f"{title} {following}"
    return clip_title(title)


def confidence_of(message: SourceMessage, specific: bool) -> float:
    """How sure the rules are: the scorer's importance, a specific rule, and enough words to stand alone."""
    value = 0.55 + 0.35 * max(0.0, min(1.0, message.score))
    value += 0.1 if specific else 0.0
    value -= 0.1 if _words(message.text) < 6 else 0.0
    return round(max(0.0, min(0.98, value)), 3)


def is_noise(message: SourceMessage) -> bool:
    """Noise by the scorer or a person, or nothing but reactions whatever the label says."""
    if message.classification == "noise":
        return True
    return all(_is_filler(s) for s in _SENTENCE.split(message.text) if s.strip())


def draft_atom(message: SourceMessage, topic: str | None) -> AtomDraft | None:
    """The atom one message yields, or None (noise, too little said, or a weak message no rule typed)."""
    if is_noise(message) or _words(message.text) < MIN_WORDS:
        return None
    kind, specific = atom_type(message.text)
    if message.classification == "weak_signal" and (not specific or _words(message.text) < MIN_WEAK_WORDS):
        return None
    return AtomDraft(
        type=kind,
        title=title_of(message.text, kind),
        content=message.text.strip(),
        confidence=confidence_of(message, specific),
        message_keys=[message.key],
        topic=topic,
    )


# Which earlier atom a new atom answers, by type: (its type, the earlier type it links to, the link type).
_ANSWERS: Final[dict[AtomType, tuple[tuple[AtomType, ...], str]]] = {
    "solution": (("problem", "blocker", "question", "idea"), "solves"),
    "decision": (("question", "idea", "problem", "risk"), "solves"),
    "insight": (("question",), "solves"),
    "requirement": (("decision", "idea", "solution"), "refines"),
    "risk": (("decision", "idea", "solution"), "contradicts"),
    "blocker": (("decision", "solution", "requirement"), "depends_on"),
}


def link_atoms(atoms: Sequence[AtomDraft]) -> list[LinkDraft]:
    """Links inside one discussion (atoms in message order): answers link back to what they answer.

    A solution `solves` the latest open problem, blocker, question or idea; an insight answers the question
    just before it; a risk raised after an idea or decision `contradicts` it; a requirement `refines` it; an
    atom of the same type right after another `continues` it. Each atom gets at most one back-link.
    """
    links: list[LinkDraft] = []
    for index, atom in enumerate(atoms):
        targets, link_type = _ANSWERS.get(atom.type, ((), ""))
        linked = False
        window = range(index - 1, max(-1, index - 6), -1)  # a reply refers to something said recently
        for earlier in window:
            if atoms[earlier].type in targets and atoms[earlier].topic == atom.topic:
                if atom.type == "insight" and earlier != index - 1:
                    break
                links.append(LinkDraft(source=index, target=earlier, link_type=link_type, strength=0.8))  # type: ignore[arg-type]
                linked = True
                break
        if not linked and index and atoms[index - 1].type == atom.type and atoms[index - 1].topic == atom.topic:
            links.append(LinkDraft(source=index, target=index - 1, link_type="continues", strength=0.6))
    return links
