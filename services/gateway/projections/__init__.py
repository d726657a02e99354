"""Every read-model projection the gateway applies, in the order they run for one event."""

from services.gateway.projections import (
    atoms,  # noqa: F401 - registers its handlers on the knowledge projection
    configuration,
    embeddings,
    experiments,
    extraction_runs,
    extraction_schedules,
    ingestion_jobs,
    knowledge_graph,
    knowledge_versions,  # noqa: F401 - registers its handlers on the knowledge projection
    messages,
    tasks,
    topics,  # noqa: F401 - registers its handlers on the knowledge projection
)
from services.gateway.projections.base import Projection

# configuration first: runs, schedules, proposals and tasks refer to projects, agents and providers.
ALL: tuple[Projection, ...] = (
    messages.projection,
    ingestion_jobs.projection,
    configuration.projection,
    tasks.projection,
    experiments.projection,
    extraction_schedules.projection,
    extraction_runs.projection,
    knowledge_graph.projection,
    embeddings.projection,
)


def by_name(name: str) -> Projection:
    for projection in ALL:
        if projection.name == name:
            return projection
    raise KeyError(f"unknown projection {name!r}; known: {', '.join(p.name for p in ALL)}")
