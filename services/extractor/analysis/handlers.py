"""Analysis subscribers of the extractor stage: cmd.analysis.start runs a run, cmd.analysis.cancel stops one."""

from __future__ import annotations

from services.extractor.analysis.running import RunControl, execute
from shared.bus.service import Stage
from shared.contracts import Envelope
from shared.db.pool import create_pool

POOL = "analysis_pool"


def register(stage: Stage) -> None:
    control = RunControl()

    @stage.on_start
    async def open_pool(stage: Stage) -> None:
        stage.state[POOL] = await create_pool(stage.settings.database_url, min_size=1, max_size=4)

    @stage.on_stop
    async def close_pool(stage: Stage) -> None:
        if stage.state.get(POOL) is not None:
            await stage.state.pop(POOL).close()

    @stage.handles("cmd.analysis.start", max_workers=2)
    async def on_start(envelope: Envelope, stage: Stage) -> None:
        """Run an analysis run: prefilter, batch, propose, publish proposals and progress."""
        await execute(
            envelope.data,
            envelope,
            pool=stage.state[POOL],
            publisher=stage.publisher,
            settings=stage.settings,
            control=control,
        )

    @stage.handles("cmd.analysis.cancel")
    async def on_cancel(envelope: Envelope, stage: Stage) -> None:
        """Stop a run at its next batch (the run ends as cancelled)."""
        control.cancelled.add(envelope.data.run_id)
