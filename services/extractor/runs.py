"""Executing one extraction run: load what it reads, plan it, publish the plan and the run's lifecycle.

A run publishes its knowledge only after every batch succeeded and no cancel arrived, so a failed or
cancelled run leaves the knowledge base as it was (its `extraction_completed` carries the status and the
reason). Every event has a deterministic `Nats-Msg-Id` derived from the run, so a redelivered command that
re-runs publishes nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from services.extractor import read_model as rm
from services.extractor.llm import LLMExtractor
from services.extractor.locks import Locks
from services.extractor.matching import Thresholds
from services.extractor.model import SourceMessage, Vector
from services.extractor.orphans import may_start
from services.extractor.planning import Extractor, RunPlan, plan_run
from shared.contracts import Envelope
from shared.contracts.commands import StartExtraction
from shared.contracts.knowledge import (
    ExtractionCompleted,
    ExtractionProgress,
    ExtractionStarted,
    MessagesConsumed,
    VersionReviewed,
)
from shared.llm.agents import agent_for_role
from shared.llm.structured import StructuredClient
from shared.logging import get_logger

log = get_logger(__name__)
AUTO_APPROVER = "auto-approval"


class Cancelled(Exception):
    """A person asked to cancel; raised at the next checkpoint."""


class RunContext(msgspec.Struct, kw_only=True, dict=True):
    """What a run needs from its stage (pool, publisher, locks, embedding provider, extractor, settings)."""

    pool: Any
    publisher: Any
    locks: Locks
    provider: Any
    extractor: Extractor
    thresholds: Thresholds
    batch_size: int
    gap_s: float
    secret_key: str = ""
    llm_timeout_s: float = 60.0


async def extractor_for(ctx: RunContext, agent_id: str | None) -> tuple[Extractor, StructuredClient | None]:
    """The LLM extractor when a knowledge_extractor agent has a non-local provider, else the offline one."""
    agent = await agent_for_role(ctx.pool, "knowledge_extractor", ctx.secret_key, agent_id)
    if agent is None:
        return ctx.extractor, None
    client = StructuredClient(agent, timeout_s=ctx.llm_timeout_s)
    language, glossary = await rm.project_context(ctx.pool)
    return LLMExtractor(client, language=language, glossary=glossary), client


async def load(
    ctx: RunContext, command: StartExtraction
) -> tuple[list[SourceMessage], dict[str, Vector], rm.Schedule | None]:
    """The messages a command names: by keys, else the chat(s) and period (a schedule's filter and min score)."""
    schedule = await rm.schedule(ctx.pool, command.schedule_id) if command.schedule_id else None
    model = ctx.provider.model_id
    if command.message_keys:
        messages, vectors = await rm.messages_by_keys(ctx.pool, model, command.message_keys)
    elif command.trigger == "auto" and command.chat_id:
        messages, vectors = await rm.unassigned_signal(
            ctx.pool, model, command.chat_id, command.period_start or datetime.min.replace(tzinfo=UTC)
        )
    else:
        chats = [command.chat_id] if command.chat_id else (schedule.chats if schedule else [])
        min_score = schedule.min_score if schedule else None
        messages, vectors = await rm.messages_in_period(
            ctx.pool, model, chats, command.period_start, command.period_end, min_score, bool(command.schedule_id)
        )
    return messages, vectors, schedule


def _rules(schedule: rm.Schedule | None, rules: Sequence[rm.Rule]) -> list[rm.Rule]:
    own = (
        [rm.Rule(id=None, atom_types=schedule.allowed_atom_types, min_confidence=schedule.confidence_threshold)]
        if schedule and schedule.auto_approve
        else []
    )
    return [*own, *rules]


def approvals(plan: RunPlan, rules: Sequence[rm.Rule]) -> list[VersionReviewed]:
    """Version 1 of every new atom a rule allows (its type, its confidence), recorded as auto-approved."""
    out = []
    for atom in plan.atoms:
        rule = next(
            (
                r
                for r in rules
                if (not r.atom_types or atom.type in r.atom_types) and atom.confidence >= r.min_confidence
            ),
            None,
        )
        if rule is not None:
            out.append(
                VersionReviewed(
                    entity="atom",
                    entity_id=atom.atom_id,
                    version=1,
                    reviewed_by=AUTO_APPROVER,
                    reason="auto-approval rule" if rule.id else "schedule auto-approval",
                    auto=True,
                    rule_id=rule.id,
                )
            )
    return out


async def execute(ctx: RunContext, envelope: Envelope, command: StartExtraction) -> str:
    """Run `command` once across replicas, renewing its claim meanwhile; returns the final status (or "skipped").

    A run that started already is not run again: its replica still runs it, or died and the sweeper fails it.
    """
    run_id = command.run_id
    if not may_start(*await rm.run_state(ctx.pool, "extraction", run_id)) or not await ctx.locks.claim_run(run_id):
        log.info("extraction_run_skipped", run_id=run_id)
        return "skipped"
    async with ctx.locks.heartbeat(run_id):
        return await _run(ctx, envelope, command)


async def _run(ctx: RunContext, envelope: Envelope, command: StartExtraction) -> str:
    run_id = command.run_id
    publisher = ctx.publisher
    started_at = time.perf_counter()
    messages, vectors, schedule = await load(ctx, command)
    chat = command.chat_id or (messages[0].chat_id if messages and len({m.chat_id for m in messages}) == 1 else None)
    if chat and not await ctx.locks.lock_chat(chat, run_id):
        await _complete(
            ctx,
            envelope,
            ExtractionCompleted(run_id=run_id, status="cancelled", error=f"chat {chat} has a run in progress"),
        )
        return "cancelled"
    try:
        extractor, client = await extractor_for(ctx, command.agent_id)
    except Exception as exc:  # an unusable agent (no model, undecryptable key) fails the run with the reason
        extractor, client, agent_error = ctx.extractor, None, f"{type(exc).__name__}: {exc}"
    else:
        agent_error = None
    await publisher.emit(
        ExtractionStarted(
            run_id=run_id,
            trigger=command.trigger,
            chat_id=chat,
            message_keys=list(command.message_keys),
            message_count=len(messages),
            agent=extractor.name,
            agent_id=command.agent_id,
            schedule_id=command.schedule_id,
        ),
        caused_by=envelope,
        msg_id=f"{run_id}:started",
    )

    async def checkpoint(name: str) -> None:
        if await ctx.locks.cancel_requested(run_id):
            raise Cancelled(name)

    async def progress(plan: RunPlan) -> None:
        await publisher.emit(
            ExtractionProgress(
                run_id=run_id,
                messages_processed=plan.messages_processed,
                topics_created=len(plan.topics),
                atoms_created=len(plan.atoms),
                links_created=plan.links_created,
                versions_created=len(plan.versions),
                tokens_used=plan.prompt_tokens + plan.completion_tokens,
            ),
            caused_by=envelope,
            msg_id=f"{run_id}:progress:{plan.messages_processed}",
        )

    try:
        if agent_error:
            raise RuntimeError(agent_error)
        knowledge = await rm.knowledge(ctx.pool, ctx.provider.model_id)
        plan = await plan_run(
            run_id,
            messages,
            vectors,
            extractor,
            ctx.provider.embed_passages,
            knowledge,
            thresholds=ctx.thresholds,
            batch_size=ctx.batch_size,
            gap_s=ctx.gap_s,
            checkpoint=checkpoint,
            on_batch=progress,
        )
        await checkpoint("before_publish")
        rules = _rules(schedule, await rm.approval_rules(ctx.pool, command.schedule_id))
        await publish_plan(ctx, envelope, plan, approvals(plan, rules))
        status, error = "completed", None
    except Cancelled as exc:
        plan, status, error = RunPlan(run_id=run_id), "cancelled", f"cancelled at {exc}"
    except Exception as exc:  # the run fails with its reason; the knowledge base is untouched
        log.warning("extraction_run_failed", run_id=run_id, error=str(exc))
        plan, status, error = RunPlan(run_id=run_id), "failed", f"{type(exc).__name__}: {exc}"
    finally:
        if chat:
            await ctx.locks.unlock_chat(chat, run_id)
        if client is not None:
            await client.aclose()
    await _complete(
        ctx,
        envelope,
        ExtractionCompleted(
            run_id=run_id,
            status=status,  # type: ignore[arg-type]
            messages_processed=plan.messages_processed,
            topics_created=len(plan.topics),
            atoms_created=len(plan.atoms),
            links_created=plan.links_created,
            versions_created=len(plan.versions),
            tokens_used=plan.prompt_tokens + plan.completion_tokens,
            prompt_tokens=plan.prompt_tokens,
            completion_tokens=plan.completion_tokens,
            error=error,
        ),
    )
    log.info("extraction_run_done", run_id=run_id, status=status, seconds=round(time.perf_counter() - started_at, 2))
    return status


async def _complete(ctx: RunContext, envelope: Envelope, event: ExtractionCompleted) -> None:
    await ctx.publisher.emit(event, caused_by=envelope, msg_id=f"{event.run_id}:completed")


async def publish_plan(ctx: RunContext, envelope: Envelope, plan: RunPlan, approved: Sequence[VersionReviewed]) -> None:
    """Topics before the atoms that name them, links after both, then consumption and auto-approvals."""
    p = ctx.publisher
    run = plan.run_id
    items: list[tuple[Envelope, str]] = []
    items += [(p.envelope(t, caused_by=envelope), f"{run}:topic:{t.topic_id}") for t in plan.topics]
    items += [(p.envelope(a, caused_by=envelope), f"{run}:atom:{a.atom_id}") for a in plan.atoms]
    items += [(p.envelope(v, caused_by=envelope), f"{run}:version:{v.entity_id}:{v.version}") for v in plan.versions]
    items += [(p.envelope(link, caused_by=envelope), f"{run}:linked:{link.atom_id}") for link in plan.linked]
    consumed = MessagesConsumed(run_id=run, message_keys=plan.consumed, topics=plan.assignments)
    items.append((p.envelope(consumed, caused_by=envelope), f"{run}:consumed"))
    items += [
        (p.envelope(a, event_type="knowledge.version_approved", caused_by=envelope), f"{run}:approved:{a.entity_id}")
        for a in approved
    ]
    await p.publish_many(items)
