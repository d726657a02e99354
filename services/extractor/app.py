"""Extractor stage wiring."""

from services.extractor import handlers
from services.extractor.analysis import handlers as analysis_handlers
from services.extractor.experiments import handlers as experiment_handlers
from shared.bus.service import Stage
from shared.settings import Settings


def build_stage(settings: Settings, provider: object | None = None) -> Stage:
    """`provider`: an embedding provider to share (tests load the model once); default from settings."""
    stage = Stage("extractor", settings)
    handlers.register(stage, provider)
    analysis_handlers.register(stage)
    experiment_handlers.register(stage)
    return stage
