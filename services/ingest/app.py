"""Ingest stage wiring."""

from services.ingest import handlers
from services.ingest.jobs import HistoryFactory
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings, *, history: HistoryFactory | None = None) -> Stage:
    stage = Stage("ingest", settings)
    handlers.register(stage, history=history)
    return stage
