"""Extractor stage wiring."""

from services.extractor import handlers
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings) -> Stage:
    stage = Stage("extractor", settings)
    handlers.register(stage)
    return stage
