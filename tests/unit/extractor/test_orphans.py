"""The decisions behind run claims: how often a claim is renewed, which start commands run, which runs are orphans."""

from services.extractor.locks import beat_every
from services.extractor.orphans import may_start, orphaned
from services.extractor.read_model import OpenRun


def test_a_claim_is_renewed_three_times_per_ttl_so_two_missed_beats_keep_it() -> None:
    assert beat_every(60.0) == 20.0
    assert 2 * beat_every(4.0) < 4.0


def test_only_a_run_that_neither_started_nor_ended_is_started() -> None:
    assert may_start(None, False)  # not projected yet (an auto or scheduled run has no queued row)
    assert may_start("pending", False)
    assert may_start("cancelling", False)  # cancelled while queued: it starts, to end as cancelled
    for status in ("running", "cancelling"):
        assert not may_start(status, True)  # redelivered: its replica runs it, or died and the sweeper ends it
    for status in ("completed", "failed", "cancelled", "closed"):
        assert not may_start(status, False) and not may_start(status, True)


def test_the_started_runs_without_a_live_claim_are_the_orphans() -> None:
    alive = OpenRun("extraction", "r1", "-1001")
    dead = OpenRun("extraction", "r2", "-1002")
    dead_analysis = OpenRun("analysis", "a1")
    assert orphaned([alive, dead, dead_analysis], {"r1", "unrelated"}) == [dead, dead_analysis]
    assert orphaned([alive], {"r1"}) == []
    assert orphaned([], set()) == []
