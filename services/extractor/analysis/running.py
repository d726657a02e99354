"""One analysis run, start to end: read the window, prefilter, batch by conversation, propose, publish.

Events in order: analysis.run_started; per batch its proposals.created, then analysis.run_progress; finally
analysis.run_completed (or run_cancelled / run_failed). A batch whose proposer fails (provider error, malformed
answer) publishes nothing of its own: the progress event carries `batch_error` and the run goes on with the next
batch. The run fails only when every batch failed. A start is claimed once across replicas in NATS KV (a
redelivered command is skipped), and a cancel is a KV mark read before each batch, so it stops the run on
whichever replica executes it. Ids are derived from the run, batch and position, so should a run ever be
published twice, the stream and the projector drop the repeats.
"""

from __future__ import annotations

import uuid
from typing import Protocol

import asyncpg

from services.extractor import read_model as rm
from services.extractor.analysis import reading
from services.extractor.analysis.drafts import BatchProposals, ProjectContext, ProposalDraft, recommend
from services.extractor.analysis.llm import ProposerError
from services.extractor.analysis.prefilter import prefilter
from services.extractor.conversations import conversation_batches
from services.extractor.locks import Locks
from services.extractor.model import SourceMessage
from services.extractor.orphans import may_start
from shared.bus.publisher import Publisher
from shared.contracts import Envelope
from shared.contracts.admin import (
    AnalysisRunCancelled,
    AnalysisRunCompleted,
    AnalysisRunFailed,
    AnalysisRunProgress,
    AnalysisRunStarted,
)
from shared.contracts.commands import StartAnalysis
from shared.contracts.tasks import ProposalCreated
from shared.logging import get_logger
from shared.settings import Settings

log = get_logger(__name__)
_IDS = uuid.UUID("5b3c62f0-6f1e-4f57-9d55-3a1c1c1ad001")


class Proposer(Protocol):
    name: str

    async def propose(
        self, batch: list[list[SourceMessage]], project: ProjectContext | None = None
    ) -> BatchProposals: ...


def proposal_id(run_id: str, batch: int, position: int) -> str:
    return str(uuid.uuid5(_IDS, f"{run_id}:{batch}:{position}"))


async def execute(
    command: StartAnalysis,
    cause: Envelope,
    *,
    pool: asyncpg.Pool,
    publisher: Publisher,
    settings: Settings,
    locks: Locks,
) -> None:
    """Run `command` once across replicas, renewing its claim meanwhile: a run that started (its replica runs it,
    or died and the orphan sweeper fails it) or ended is not run again."""
    run_id = command.run_id
    if not may_start(*await rm.run_state(pool, "analysis", run_id)) or not await locks.claim_run(run_id):
        log.info("analysis_run_skipped", run_id=run_id)
        return
    async with locks.heartbeat(run_id):
        await _run(command, cause, pool=pool, publisher=publisher, settings=settings, locks=locks)


async def _run(
    command: StartAnalysis,
    cause: Envelope,
    *,
    pool: asyncpg.Pool,
    publisher: Publisher,
    settings: Settings,
    locks: Locks,
) -> None:
    run_id = command.run_id
    context = await reading.project(pool, command.project_id)
    in_window, messages = await reading.window(pool, command.window_start, command.window_end)
    kept = prefilter(messages, context)
    planned = conversation_batches(kept, settings.extraction_gap_s, settings.extraction_batch_size)
    started = await publisher.emit(
        AnalysisRunStarted(
            run_id=run_id,
            window_start=command.window_start,
            window_end=command.window_end,
            project_id=command.project_id,
            agent_id=command.agent_id,
            trigger=command.trigger,
            schedule_id=command.schedule_id,
            messages_in_window=in_window,
            messages_after_prefilter=len(kept),
            batches_total=len(planned),
        ),
        caused_by=cause,
        msg_id=f"analysis-started:{run_id}",
    )
    try:
        proposer: Proposer = await reading.proposer(pool, command.agent_id, settings)
    except reading.AgentUnusable as exc:
        await publisher.emit(AnalysisRunFailed(run_id=run_id, error=str(exc)), caused_by=started)
        return
    log.info("analysis_run_started", run_id=run_id, proposer=proposer.name, messages=len(kept), batches=len(planned))
    proposals = failed = tokens = 0
    try:
        for index, batch in enumerate(planned):
            if await locks.cancel_requested(run_id):
                await publisher.emit(
                    AnalysisRunCancelled(run_id=run_id, reason=f"cancelled after {index} of {len(planned)} batches"),
                    caused_by=started,
                )
                return
            error = None
            try:
                result = await proposer.propose(batch, context)
            except ProposerError as exc:
                failed, error = failed + 1, str(exc)
                log.warning("analysis_batch_failed", run_id=run_id, batch=index, error=error)
                result = BatchProposals()
            tokens += result.tokens_used
            for position, draft in enumerate(result.drafts):
                await _publish_proposal(pool, publisher, settings, started, command, index, position, draft)
            proposals += len(result.drafts)
            await publisher.emit(
                AnalysisRunProgress(
                    run_id=run_id,
                    batches_done=index + 1,
                    batches_total=len(planned),
                    proposals_total=proposals,
                    batches_failed=failed,
                    batch_error=error,
                    tokens_used=tokens,
                ),
                caused_by=started,
            )
    finally:
        close = getattr(proposer, "close", None)
        if close is not None:
            await close()
    if planned and failed == len(planned):
        await publisher.emit(
            AnalysisRunFailed(run_id=run_id, error=f"every batch failed; the last: {error}"), caused_by=started
        )
        return
    await publisher.emit(
        AnalysisRunCompleted(
            run_id=run_id,
            messages_in_window=in_window,
            messages_after_prefilter=len(kept),
            batches=len(planned),
            proposals_total=proposals,
            tokens_used=tokens,
        ),
        caused_by=started,
    )
    log.info("analysis_run_completed", run_id=run_id, proposals=proposals, batches_failed=failed)


async def _publish_proposal(
    pool: asyncpg.Pool,
    publisher: Publisher,
    settings: Settings,
    started: Envelope,
    command: StartAnalysis,
    batch: int,
    position: int,
    draft: ProposalDraft,
) -> None:
    similar, similarity = await reading.similar_task(pool, draft.message_keys)
    pid = proposal_id(command.run_id, batch, position)
    event = ProposalCreated(
        proposal_id=pid,
        run_id=command.run_id,
        title=draft.title,
        description=draft.description,
        priority=draft.priority,
        category=draft.category,
        confidence=draft.confidence,
        reasoning=draft.reasoning,
        recommendation=recommend(
            draft.confidence,
            similarity,
            merge_at=settings.proposal_merge_similarity,
            update_at=settings.proposal_update_similarity,
            reject_below=settings.proposal_reject_below,
        ),
        project_id=command.project_id,
        tags=draft.tags,
        source_message_keys=draft.message_keys,
        similar_task_id=similar,
        similarity=similarity,
        atom_ids=await reading.atoms_citing(pool, draft.message_keys),
    )
    await publisher.emit(event, caused_by=started, msg_id=f"proposal:{pid}")
