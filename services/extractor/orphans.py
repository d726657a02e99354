"""Runs whose replica died: ended as failed through their usual events, so nothing stays `running` forever.

A replica executing a run renews the run's claim in NATS KV (`Locks.heartbeat`); the claim lapses
`TT_RUN_CLAIM_TTL_S` after the last beat. Every `TT_ORPHAN_SWEEP_S` (and at start) one extractor replica — the
one that creates the period's mark — compares the runs the read model shows started with the live claims and
fails each unclaimed one: `knowledge.extraction_completed` (status failed) or `analysis.run_failed`, with
`REASON`, and releases the chat lock of an extraction run. The gateway projects that like any failure (the
runs pages, the WebSocket, the dashboard).

Fail, not resume: a run publishes its knowledge only at its end and its proposals under ids derived from the run,
so starting it again is safe and the person who sees the failure decides. A start command delivered again for a
run that had started (JetStream redelivers the command of a dead replica) is therefore skipped (`may_start`),
whether its replica is alive (the claim) or dead (the sweeper ends it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Sequence

from services.extractor import read_model as rm
from services.extractor.locks import Locks
from shared.bus.publisher import Publisher
from shared.contracts.admin import AnalysisRunFailed
from shared.contracts.knowledge import ExtractionCompleted
from shared.logging import get_logger

log = get_logger(__name__)
REASON = "the replica running it stopped (claim expired)"
FINISHED = ("completed", "failed", "cancelled", "closed")


def may_start(status: str | None, started: bool) -> bool:
    """A start command runs a run that has neither started nor ended (a queued run being cancelled starts, to
    end as cancelled at its first checkpoint)."""
    return not started and status not in FINISHED


def orphaned(started: Sequence[rm.OpenRun], claimed: Collection[str]) -> list[rm.OpenRun]:
    """The started runs no live replica holds."""
    return [run for run in started if run.run_id not in claimed]


async def sweep(pool: object, locks: Locks, publisher: Publisher) -> list[rm.OpenRun]:
    """Fail every orphaned run; returns them. Safe to repeat: the events carry ids the stream deduplicates, and
    the projections ignore an end after an end."""
    started = await rm.open_runs(pool)
    claimed = {run.run_id for run in started if await locks.claimed(run.run_id)}
    gone = orphaned(started, claimed)
    for run in gone:
        if run.kind == "extraction":
            # The id of the run's own completion: whichever of the two reaches the stream first stands.
            event = ExtractionCompleted(run_id=run.run_id, status="failed", error=REASON)
            await publisher.emit(event, msg_id=f"{run.run_id}:completed")
            if run.chat_id:
                await locks.unlock_chat(run.chat_id, run.run_id)
        else:
            await publisher.emit(AnalysisRunFailed(run_id=run.run_id, error=REASON), msg_id=f"{run.run_id}:orphaned")
        log.warning("orphaned_run_failed", kind=run.kind, run_id=run.run_id)
    return gone


async def sweep_loop(pool: object, locks: Locks, publisher: Publisher, every_s: float) -> None:
    """Sweep now and every `every_s`, once per period across replicas (a KV mark per period)."""
    while True:
        try:
            if await locks.claim_fire("orphan-sweep", int(time.time() // every_s)):
                await sweep(pool, locks, publisher)
        except Exception as exc:  # a database or bus hiccup: the next period sweeps again
            log.warning("orphan_sweep_failed", error=str(exc))
        await asyncio.sleep(every_s)
