"""Scorer subscribers: decode → score (pure) → publish `noise_filtering.message_scored`."""

from __future__ import annotations

from services.scorer.scoring import ScoringInput, Thresholds, score_message
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.contracts.messages import MessageIngested, MessageUpdated
from shared.contracts.noise_filtering import MessageScored, ScoreFactors
from shared.metrics import MESSAGES_CLASSIFIED


def register(stage: Stage) -> None:
    thresholds = Thresholds(noise=stage.settings.noise_threshold, signal=stage.settings.signal_threshold)

    async def score_and_publish(
        envelope: Envelope, key: str, chat_id: str, text: str, language: str, is_reply: bool, sent_at: object
    ) -> None:
        result = score_message(ScoringInput(text=text, language=language, is_reply=is_reply), thresholds=thresholds)
        scored = MessageScored(
            key=key,
            chat_id=chat_id,
            text=text,
            sent_at=sent_at,  # type: ignore[arg-type]
            score=round(result.score, 4),
            classification=result.classification,
            factors=ScoreFactors(**result.factors),
        )
        # Keyed on the source event: a redelivery publishes a duplicate the stream drops.
        await stage.publisher.emit(scored, caused_by=envelope, msg_id=f"scored:{envelope.id}")
        MESSAGES_CLASSIFIED.labels(result.classification).inc()

    @stage.handles("messages.ingested")
    async def on_ingested(envelope: Envelope, _: Stage) -> None:
        """Score every new message."""
        event: MessageIngested = envelope.data
        await score_and_publish(
            envelope,
            event.key,
            event.chat_id,
            event.text,
            event.language,
            event.reply_to_message_id is not None,
            event.sent_at,
        )

    @stage.handles("messages.updated")
    async def on_updated(envelope: Envelope, _: Stage) -> None:
        """Re-score an edited message."""
        event: MessageUpdated = envelope.data
        chat_id = event.key.split(":")[1]
        await score_and_publish(envelope, event.key, chat_id, event.text, event.language, False, event.edited_at)
