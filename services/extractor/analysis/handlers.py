"""Analysis subscribers of the extractor stage: cmd.analysis.start runs a run, cmd.analysis.cancel stops one.

Both go through the extractor's NATS KV buckets (services/extractor/locks.py), as extraction runs do: a start
is claimed once across replicas, and a cancel is a KV mark that the replica executing the run reads before each
batch, so a cancel delivered to any replica stops the run wherever it runs.
"""

from __future__ import annotations

from services.extractor.analysis.running import execute
from services.extractor.locks import Locks
from services.extractor.pools import keep_pool
from shared.bus.service import Stage
from shared.contracts import Envelope

POOL = "analysis_pool"
LOCKS = "analysis_locks"
RUNNING = "analysis_running"  # run ids this replica is executing (for logs and tests; the claim is in KV)


def register(stage: Stage) -> None:
    keep_pool(stage, POOL, max_size=4)

    @stage.on_start
    async def open_locks(stage: Stage) -> None:
        js = stage.broker.connection.jetstream()
        stage.state[LOCKS] = await Locks.open(js, stage.prefix, stage.settings.run_claim_ttl_s)
        stage.state[RUNNING] = set()

    @stage.handles("cmd.analysis.start", max_workers=2)
    async def on_start(envelope: Envelope, stage: Stage) -> None:
        """Run an analysis run: prefilter, batch, propose, publish proposals and progress."""
        run_id = envelope.data.run_id
        stage.state[RUNNING].add(run_id)
        try:
            await execute(
                envelope.data,
                envelope,
                pool=stage.state[POOL],
                publisher=stage.publisher,
                settings=stage.settings,
                locks=stage.state[LOCKS],
            )
        finally:
            stage.state[RUNNING].discard(run_id)

    @stage.handles("cmd.analysis.cancel")
    async def on_cancel(envelope: Envelope, stage: Stage) -> None:
        """Stop a run at its next batch, on whichever replica runs it (the run ends as cancelled)."""
        await request_cancel(stage, envelope.data.run_id)


async def request_cancel(stage: Stage, run_id: str) -> None:
    """Mark the run cancelled in KV (what cmd.analysis.cancel does on the replica that receives it)."""
    await stage.state[LOCKS].request_cancel(run_id)
