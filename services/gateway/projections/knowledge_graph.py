"""The knowledge graph projection: topics, atoms, their links and versions share one checkpoint.

Their rows reference each other (atom_topics → both, versions → their entity, approving writes the entity), so
they are reset and replayed together; the handlers live in `topics.py`, `atoms.py` and `knowledge_versions.py`.
Replaying it alone drops the vectors on these rows: replay `embeddings` with it. Replaying `messages` alone
clears messages.topic_id / extraction_run_id: replay `extraction_runs` and `knowledge` with it (or everything).
"""

from __future__ import annotations

import uuid

from services.gateway.projections.base import Projection
from shared.logging import get_logger

log = get_logger(__name__)
_VERSION_NAMESPACE = uuid.UUID("9d7c1e3a-2b4f-4c8e-a1d5-3f6b8e0c2a47")

projection = Projection(
    "knowledge",
    reset_sql=(
        # DELETE, not TRUNCATE: messages.topic_id references topics (ON DELETE SET NULL, which clears it),
        # and TRUNCATE … CASCADE would empty messages. Versions and atom_topics go with their entities.
        "DELETE FROM atom_links",
        "DELETE FROM atoms",
        "DELETE FROM topics",
    ),
)


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    """An id from an event as a uuid; a malformed one names no row, so it is treated as absent."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        log.warning("knowledge_event_with_malformed_id", value=value)
        return None


def version_row_id(entity: str, entity_id: uuid.UUID, version: int) -> uuid.UUID:
    """Version rows get ids from what they are, so a replay reproduces them."""
    return uuid.uuid5(_VERSION_NAMESPACE, f"{entity}:{entity_id}:{version}")
