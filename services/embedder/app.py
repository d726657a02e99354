"""Embedder stage wiring."""

from services.embedder import handlers
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings) -> Stage:
    stage = Stage("embedder", settings)
    handlers.register(stage)
    return stage
