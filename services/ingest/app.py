"""Ingest stage wiring."""

from services.ingest import handlers
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings) -> Stage:
    stage = Stage("ingest", settings)
    handlers.register(stage)
    return stage
