"""Every read-model projection the gateway applies, in the order they run for one event."""

from services.gateway.projections import embeddings, ingestion_jobs, messages, tasks
from services.gateway.projections.base import Projection

ALL: tuple[Projection, ...] = (messages.projection, ingestion_jobs.projection, tasks.projection, embeddings.projection)


def by_name(name: str) -> Projection:
    for projection in ALL:
        if projection.name == name:
            return projection
    raise KeyError(f"unknown projection {name!r}; known: {', '.join(p.name for p in ALL)}")
