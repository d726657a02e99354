"""Scorer stage wiring."""

from services.scorer import handlers
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings) -> Stage:
    stage = Stage("scorer", settings)
    handlers.register(stage)
    return stage
