"""The LLM extractor: a knowledge_extractor agent on an OpenAI-compatible provider reads each batch.

The prompt is Ukrainian by default (English when the project's language is English), carries the project
glossary and lists the batch's messages as `[n] text`; the answer is constrained by the JSON schema of
`Extraction` and decoded strictly into it (shared/llm/structured.py: one retry on a misfit, then the run fails
with the reason and publishes nothing). Message numbers outside the batch are a misfit too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import msgspec

from services.extractor.model import (
    MIN_CONFIDENCE,
    AtomDraft,
    BatchExtraction,
    LinkDraft,
    SourceMessage,
    TopicDraft,
    Vector,
    clip_title,
)
from shared.contracts.common import AtomType, LinkType
from shared.llm.structured import InvalidOutput, StructuredClient, Usage

Confidence = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
MAX_TEXT = 2_000


class OutLink(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    target_title: str
    link_type: LinkType


class OutTopic(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    description: str
    keywords: list[str]
    confidence: Confidence
    message_ids: list[int]


class OutAtom(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    type: AtomType
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    content: str
    confidence: Confidence
    topic: str
    message_ids: list[int]
    links: list[OutLink] = []


class Extraction(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    topics: list[OutTopic]
    atoms: list[OutAtom]


PROMPTS = {
    "uk": (
        "Ти витягуєш базу знань команди з чату (українською, російською або англійською). "
        "Для наданих повідомлень поверни теми (назва 2–4 слова, опис, ключові слова, впевненість 0–1, номери "
        "повідомлень) і атоми знань: тип (problem, solution, decision, question, insight, idea, blocker, risk, "
        "requirement), заголовок до 200 символів, зміст, впевненість 0–1, назва теми, номери повідомлень, "
        "зв'язки з іншими атомами за заголовком (continues, solves, contradicts, supports, refines, relates_to, "
        "depends_on). Привітання, подяки, згоду та балачки ігноруй. Пиши мовою повідомлень. "
        "Відповідай лише JSON за схемою."
    ),
    "en": (
        "You extract a team's knowledge base from chat (Ukrainian, Russian or English). For the messages given, "
        "return topics (name of 2–4 words, description, keywords, confidence 0–1, message numbers) and knowledge "
        "atoms: type (problem, solution, decision, question, insight, idea, blocker, risk, requirement), a title "
        "of at most 200 characters, content, confidence 0–1, topic name, message numbers, links to other atoms by "
        "title (continues, solves, contradicts, supports, refines, relates_to, depends_on). Ignore greetings, "
        "thanks, agreement and small talk. Write in the messages' language. Answer with JSON only, per the schema."
    ),
}
GLOSSARY = {"uk": "Глосарій проєкту", "en": "Project glossary"}
MESSAGES = {"uk": "Повідомлення", "en": "Messages"}


def system_prompt(language: str, glossary: Mapping[str, str], custom: str | None) -> str:
    lang = "en" if language == "en" else "uk"
    parts = [PROMPTS[lang]]
    if glossary:
        parts.append(f"{GLOSSARY[lang]}:\n" + "\n".join(f"- {term}: {meaning}" for term, meaning in glossary.items()))
    if custom:
        parts.append(custom)  # an agent's own prompt is appended, never replaces the built-in one
    return "\n\n".join(parts)


def user_prompt(language: str, conversations: Sequence[Sequence[SourceMessage]]) -> tuple[str, list[SourceMessage]]:
    numbered: list[SourceMessage] = []
    lines = [f"{MESSAGES['en' if language == 'en' else 'uk']}:"]
    for index, conversation in enumerate(conversations):
        lines.append(f"--- {index + 1}")
        for message in conversation:
            numbered.append(message)
            text = " ".join(message.text.split())[:MAX_TEXT]
            lines.append(f"[{len(numbered)}] {text}")
    return "\n".join(lines), numbered


def to_batch(
    answer: Extraction, numbered: Sequence[SourceMessage], usage: Usage, min_confidence: float
) -> BatchExtraction:
    """Map message numbers to keys and titles to indices; drop what is below the confidence floor."""

    def keys(ids: Sequence[int], where: str) -> list[str]:
        bad = [i for i in ids if not 1 <= i <= len(numbered)]
        if bad:
            raise InvalidOutput(f"{where}: message numbers {bad} are not in the batch (1–{len(numbered)})")
        return list(dict.fromkeys(numbered[i - 1].key for i in ids))

    noise = {m.key for m in numbered if m.classification == "noise"}
    topics = [
        TopicDraft(
            name=t.name.strip(),
            description=t.description,
            keywords=t.keywords,
            confidence=t.confidence,
            message_keys=keys(t.message_ids, f"topics[{i}]"),
        )
        for i, t in enumerate(answer.topics)
        if t.confidence >= min_confidence
    ]
    atoms: list[AtomDraft] = []
    pending_links: list[tuple[int, OutLink]] = []
    for i, a in enumerate(answer.atoms):
        provenance = [k for k in keys(a.message_ids, f"atoms[{i}]") if k not in noise]
        if a.confidence < min_confidence or not provenance:
            continue  # noise never becomes an atom, whatever the model says
        pending_links += [(len(atoms), link) for link in a.links]
        atoms.append(
            AtomDraft(
                type=a.type,
                title=clip_title(a.title),
                content=a.content,
                confidence=a.confidence,
                message_keys=provenance,
                topic=a.topic.strip(),
            )
        )
    by_title = {a.title.lower(): i for i, a in enumerate(atoms)}
    links = [
        LinkDraft(source=i, target=by_title[link.target_title.strip().lower()], link_type=link.link_type)
        for i, link in pending_links
        if link.target_title.strip().lower() in by_title and by_title[link.target_title.strip().lower()] != i
    ]
    return BatchExtraction(
        topics=topics,
        atoms=atoms,
        links=links,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )


class LLMExtractor:
    def __init__(
        self,
        client: StructuredClient,
        *,
        language: str = "uk",
        glossary: Mapping[str, str] | None = None,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.client = client
        self.name = client.agent.agent
        self.language = language
        self.glossary = dict(glossary or {})
        self.min_confidence = min_confidence

    async def extract(
        self, conversations: Sequence[Sequence[SourceMessage]], vectors: Mapping[str, Vector], background: Any
    ) -> BatchExtraction:
        user, numbered = user_prompt(self.language, conversations)
        system = system_prompt(self.language, self.glossary, self.client.agent.custom_prompt)
        usage = Usage()
        answer = await self.client.complete(system, user, Extraction, "knowledge_extraction", usage)
        return to_batch(answer, numbered, usage, self.min_confidence)
