"""The five services: four FastStream pipeline stages and the Litestar gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.bus.service import Stage
    from shared.settings import Settings


def _ingest(settings: Settings) -> Stage:
    from services.ingest.app import build_stage

    return build_stage(settings)


def _scorer(settings: Settings) -> Stage:
    from services.scorer.app import build_stage

    return build_stage(settings)


def _embedder(settings: Settings) -> Stage:
    from services.embedder.app import build_stage

    return build_stage(settings)


def _extractor(settings: Settings) -> Stage:
    from services.extractor.app import build_stage

    return build_stage(settings)


STAGES: dict[str, Callable[[Settings], Stage]] = {
    "ingest": _ingest,
    "scorer": _scorer,
    "embedder": _embedder,
    "extractor": _extractor,
}
