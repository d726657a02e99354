"""Extractor subscribers (first cut: consumes scored messages; extraction lands with its issue)."""

from __future__ import annotations

from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.logging import get_logger

log = get_logger(__name__)


def register(stage: Stage) -> None:
    @stage.handles("noise_filtering.message_scored")
    async def on_scored(envelope: Envelope, _: Stage) -> None:
        """Count unassigned signal per chat towards the auto-extraction trigger."""
        log.debug("scored_message_seen", key=envelope.data.key)
