"""The task_proposer agent on an OpenAI-compatible chat API: one call per batch, a JSON answer checked strictly.

Messages are shown numbered; the model cites numbers, which map back to message keys, so a proposal can only
cite messages of its batch. The call goes through `shared.llm` (schema-constrained, one retry on a misfit); an
answer that still does not fit fails the batch with the reason (`ProposerError`), and nothing of it is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec
import openai

from services.extractor.analysis.drafts import BatchProposals, ProjectContext, ProposalDraft
from services.extractor.model import SourceMessage, clip_title
from shared.contracts.common import Priority, TaskCategory
from shared.llm.structured import InvalidOutput, StructuredClient, Usage

PROMPT = """You turn team chat messages (Ukrainian, Russian or English) into task proposals for a tracker.
Propose a task only for work someone has to do: problems and bugs to fix, blockers, requirements, decisions that
commit the team to act. Ignore small talk, greetings, status reports of finished work.
Answer with JSON only: {"proposals": [{"title": str, "description": str, "priority": "low|medium|high|critical",
"category": "bug|feature|improvement|question|docs|chore", "confidence": 0..1, "reasoning": str,
"tags": [str], "message_ids": [int]}]} where message_ids are the numbers of the messages that support it
(at least one). Write titles in the language of the messages. No proposals: {"proposals": []}."""


class ProposerError(Exception):
    """The batch failed (provider error or an answer that breaks the schema); the text says why."""


class _Answered(msgspec.Struct, forbid_unknown_fields=False):
    title: Annotated[str, msgspec.Meta(min_length=1)]
    message_ids: Annotated[list[int], msgspec.Meta(min_length=1)]
    description: str = ""
    priority: Priority = "medium"
    category: TaskCategory = "feature"
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    reasoning: str = ""
    tags: list[str] = []


class _Answer(msgspec.Struct, forbid_unknown_fields=False):
    proposals: list[_Answered]


_decoder = msgspec.json.Decoder(_Answer)


def render(batch: Sequence[Sequence[SourceMessage]], project: ProjectContext | None) -> tuple[str, list[str]]:
    """The user message and the key of each number shown."""
    keys: list[str] = []
    lines: list[str] = []
    if project is not None and project.name:
        lines.append(f"Project: {project.name}. Keywords: {', '.join(project.keywords)}")
        lines.extend(f"Glossary: {term} = {meaning}" for term, meaning in project.glossary.items())
    for n, conversation in enumerate(batch, start=1):
        lines.append(f"--- conversation {n}")
        for message in conversation:
            keys.append(message.key)
            when = message.sent_at.isoformat(timespec="minutes") if message.sent_at else ""
            lines.append(f"[{len(keys)}] {when} {message.author or '?'}: {message.text}")
    return "\n".join(lines), keys


def parse(content: str, keys: Sequence[str]) -> list[ProposalDraft]:
    """Drafts from an answer's text, decoded against the same Struct the client asks the model for."""
    try:
        answer = _decoder.decode(content.strip().removeprefix("```json").removesuffix("```").strip())
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ProposerError(f"malformed answer from the model: {exc}") from None
    return drafts_from(answer, keys)


def drafts_from(answer: _Answer, keys: Sequence[str]) -> list[ProposalDraft]:
    """A proposal citing no message of the batch is dropped, not invented; numbers map back to keys."""
    drafts = []
    for item in answer.proposals:
        cited = [keys[i - 1] for i in dict.fromkeys(item.message_ids) if 1 <= i <= len(keys)]
        if not cited:
            continue
        drafts.append(
            ProposalDraft(
                title=clip_title(item.title, 200),
                description=item.description,
                priority=item.priority,
                category=item.category,
                confidence=item.confidence,
                reasoning=item.reasoning,
                tags=item.tags[:20],
                message_keys=cited,
            )
        )
    return drafts


class LLMProposer:
    """The task_proposer agent through the shared schema-constrained client (one retry on a misfit)."""

    def __init__(self, client: StructuredClient) -> None:
        self._client = client
        self.name = f"llm:{client.agent.model}"
        custom = client.agent.custom_prompt
        self._system = PROMPT + (f"\n\n{custom}" if custom else "")

    def __repr__(self) -> str:
        return f"LLMProposer({self.name})"

    async def propose(
        self, batch: Sequence[Sequence[SourceMessage]], project: ProjectContext | None = None
    ) -> BatchProposals:
        user, keys = render(batch, project)
        usage = Usage()
        try:
            answer = await self._client.complete(self._system, user, _Answer, "task_proposals", usage)
        except InvalidOutput as exc:
            raise ProposerError(f"malformed answer from the model: {exc}") from None
        except openai.APIStatusError as exc:
            raise ProposerError(f"provider answered HTTP {exc.status_code}: {_message(exc)}") from None
        except openai.APIError as exc:
            raise ProposerError(f"provider unreachable: {type(exc).__name__}") from None
        return BatchProposals(
            drafts=drafts_from(answer, keys), tokens_used=usage.prompt_tokens + usage.completion_tokens
        )

    async def close(self) -> None:
        await self._client.aclose()


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return str(error.get("message", "") if isinstance(error, dict) else error)[:300] or "no message"
