"""A read-model connection pool held in a stage's state for the life of the stage (extractor subscribers)."""

from __future__ import annotations

from shared.bus.service import Stage
from shared.db.pool import create_pool


def keep_pool(stage: Stage, key: str, max_size: int) -> None:
    """Open `stage.state[key]` when the stage starts and close it when it stops."""

    @stage.on_start
    async def open_pool(stage: Stage) -> None:
        stage.state[key] = await create_pool(stage.settings.database_url, min_size=1, max_size=max_size)

    @stage.on_stop
    async def close_pool(stage: Stage) -> None:
        if stage.state.get(key) is not None:
            await stage.state.pop(key).close()
