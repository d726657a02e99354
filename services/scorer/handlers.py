"""Scorer subscribers: decode → score a batch (pipeline) → publish `noise_filtering.*`."""

from __future__ import annotations

import time
from collections.abc import Sequence

from services.scorer.llm_judge import JudgeSource
from services.scorer.model import configured_model
from services.scorer.pipeline import Pending, ScoringPipeline
from services.scorer.read_model import fetch_unscored
from services.scorer.scoring import Thresholds
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.commands import ScoreUnscored
from shared.contracts.messages import MessageIngested, MessageUpdated
from shared.contracts.noise_filtering import BatchScored, MessageScored
from shared.db.pool import create_pool
from shared.logging import get_logger
from shared.metrics import MESSAGES_CLASSIFIED

log = get_logger(__name__)
MAX_COMMAND_BATCH = 1_000


def pipeline_of(stage: Stage) -> ScoringPipeline:
    return stage.state["pipeline"]  # type: ignore[no-any-return]


def register(stage: Stage) -> None:
    register_pipeline(stage)
    register_live(stage)
    register_commands(stage)


def register_pipeline(stage: Stage) -> None:
    """The scoring pipeline, with a read-model pool when a database is configured (else neutral context)."""
    thresholds = Thresholds(noise=stage.settings.noise_threshold, signal=stage.settings.signal_threshold)
    model = configured_model(stage.settings.scorer_model)  # a bad path fails the stage at start, not per message
    repeat_window_s = stage.settings.scorer_repeat_window_h * 3600.0

    @stage.on_start
    async def open_read_model(stage: Stage) -> None:
        pool = None
        judges = None
        if stage.settings.database_url:
            pool = await create_pool(stage.settings.database_url, min_size=1, max_size=4)
            judges = JudgeSource(pool, thresholds)
        stage.state["pool"] = pool
        stage.state["judges"] = judges
        stage.state["pipeline"] = ScoringPipeline(
            thresholds, pool=pool, judges=judges, model=model or False, repeat_window_s=repeat_window_s
        )
        log.info("scorer_context", read_model=pool is not None, content_model=model is not None)

    @stage.on_stop
    async def close_read_model(stage: Stage) -> None:
        if stage.state.get("judges") is not None:
            await stage.state["judges"].aclose()
        if stage.state.get("pool") is not None:
            await stage.state["pool"].close()


def register_live(stage: Stage) -> None:
    """Score every ingested and edited message as it arrives."""

    async def publish(stage: Stage, pairs: Sequence[tuple[Envelope, MessageScored]]) -> None:
        publisher = stage.publisher
        # Keyed on the source event: a redelivered batch publishes duplicates the stream drops.
        await publisher.publish_many(
            [(publisher.envelope(scored, caused_by=source), f"scored:{source.id}") for source, scored in pairs]
        )
        for _, scored in pairs:
            MESSAGES_CLASSIFIED.labels(scored.classification).inc()

    # A short linger: under load batches fill at once; a lone live message is not held back (webhook latency).
    @stage.handles_batch("messages.ingested", batch_size=100, max_wait_s=0.02)
    async def on_ingested(envelopes: list[Envelope], stage: Stage) -> None:
        """Score every new message."""
        items = [_from_ingested(e.data) for e in envelopes]
        await publish(stage, list(zip(envelopes, await pipeline_of(stage).score(items), strict=True)))

    @stage.handles_batch("messages.updated", batch_size=100, max_wait_s=0.02)
    async def on_updated(envelopes: list[Envelope], stage: Stage) -> None:
        """Re-score an edited message."""
        items = [_from_updated(e.data) for e in envelopes]
        await publish(stage, list(zip(envelopes, await pipeline_of(stage).score(items), strict=True)))


def register_commands(stage: Stage) -> None:
    """Batch scoring of what the read model holds unscored."""

    @stage.handles("cmd.scorer.score_unscored")
    async def on_score_unscored(envelope: Envelope, stage: Stage) -> None:
        """Score every message in the read model that has no score yet, page by page."""
        command: ScoreUnscored = envelope.data
        await score_unscored(stage, envelope, max(1, min(command.batch_size, MAX_COMMAND_BATCH)))


async def score_unscored(stage: Stage, envelope: Envelope, batch_size: int) -> None:
    pipeline = pipeline_of(stage)
    publisher = stage.publisher
    found = scored = failed = 0
    if pipeline.pool is None:
        log.warning("score_unscored_without_database")
        await publisher.emit(BatchScored(found=0, scored=0, failed=0), caused_by=envelope, msg_id=f"{envelope.id}:done")
        return
    # Stop well inside the ack wait so the command is not redelivered while it is still running;
    # a continuation command picks up the rest.
    budget = time.monotonic() + stage.settings.ack_wait_s / 2
    after_id = 0
    finished = True
    while True:
        page = await fetch_unscored(pipeline.pool, after_id=after_id, limit=batch_size)
        if not page:
            break
        after_id = page[-1].id
        found += len(page)
        items = [
            Pending(
                key=m.key,
                chat_id=m.chat_id,
                text=m.text,
                language=m.language,
                sent_at=m.sent_at,
                observed_at=m.sent_at,
                author=m.author,
                is_reply=m.is_reply,
            )
            for m in page
        ]
        try:
            results = await pipeline.score(items)
            # Keyed on the message: overlapping runs (or a continuation re-reading rows the gateway has not
            # projected yet) score each message once within the stream's dedupe window.
            await publisher.publish_many(
                [(publisher.envelope(r, caused_by=envelope), f"scored:unscored:{r.key}") for r in results]
            )
            scored += len(results)
            for r in results:
                MESSAGES_CLASSIFIED.labels(r.classification).inc()
        except Exception as exc:
            failed += len(page)
            log.warning("score_unscored_page_failed", size=len(page), error=f"{type(exc).__name__}: {exc}")
        if len(page) < batch_size:
            break
        if time.monotonic() > budget:
            finished = False
            break
    summary = BatchScored(found=found, scored=scored, failed=failed)
    await publisher.emit(summary, caused_by=envelope, msg_id=f"{envelope.id}:done")
    if not finished:
        await publisher.emit(ScoreUnscored(batch_size=batch_size), caused_by=envelope, msg_id=f"{envelope.id}:more")
    log.info("score_unscored_done", found=found, scored=scored, failed=failed, finished=finished)


def _from_ingested(event: MessageIngested) -> Pending:
    return Pending(
        key=event.key,
        chat_id=event.chat_id,
        text=event.text,
        language=event.language,
        sent_at=event.sent_at,
        observed_at=event.sent_at,
        author=event.author.source_user_id if event.author else None,
        is_reply=event.reply_to_message_id is not None,
    )


def _from_updated(event: MessageUpdated) -> Pending:
    # Keys are "<source>:<chat>:<message>"; chat ids are negative numbers, never containing ':'.
    chat_id = event.key.split(":")[1]
    return Pending(
        key=event.key, chat_id=chat_id, text=event.text, language=event.language, observed_at=event.edited_at
    )
