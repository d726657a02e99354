"""Pure parts of recovery: when a stage counts as stuck, and which fetched messages continue the sequence."""

from __future__ import annotations

from types import SimpleNamespace

from services.gateway.projections.runner import _contiguous_run
from shared.bus.service import Progress
from shared.faults import is_infrastructure_error


def _msg(seq: int) -> SimpleNamespace:
    return SimpleNamespace(reply=f"$JS.ACK.S.d.1.{seq}.{seq}.0.0")


def test_a_consumer_whose_ack_floor_stands_while_work_waits_is_stuck() -> None:
    progress = Progress(stall_after_s=60)
    progress.observe("d", floor=10, waiting_work=True, now=0)
    assert progress.problem(["d"], now=59) is None
    progress.observe("d", floor=10, waiting_work=True, now=59)
    assert progress.problem(["d"], now=61) == "consumer d has made no progress for 61 s"
    progress.observe("d", floor=11, waiting_work=True, now=62)  # the floor moved
    assert progress.problem(["d"], now=100) is None
    progress.observe("d", floor=11, waiting_work=False, now=200)  # idle is not stuck
    assert progress.problem(["d"], now=250) is None


def test_gaps_end_the_run_of_messages_to_apply() -> None:
    msgs = [_msg(s) for s in (5, 6, 7, 9, 10)]
    assert [m.reply for m in _contiguous_run(msgs, 5)] == [m.reply for m in msgs[:3]]
    assert _contiguous_run(msgs, 4) == []  # seq 4 never arrived: nothing after it is applied
    assert len(_contiguous_run(msgs[:3], None)) == 3


def test_infrastructure_errors_are_told_from_data_errors() -> None:
    import asyncpg
    import nats.errors

    assert is_infrastructure_error(ConnectionRefusedError())
    assert is_infrastructure_error(nats.errors.TimeoutError())
    assert is_infrastructure_error(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert not is_infrastructure_error(ValueError("bad payload"))
    assert not is_infrastructure_error(asyncpg.exceptions.UniqueViolationError("duplicate"))
