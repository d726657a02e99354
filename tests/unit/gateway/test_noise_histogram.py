"""The score histogram covers [0, 1] with every bin present."""

from __future__ import annotations

from services.gateway.noise.stats import ClassCounts, histogram_bins, signal_ratio


def test_every_bin_is_present_and_edges_cover_zero_to_one() -> None:
    bins = histogram_bins([(3, ClassCounts(noise=2)), (10, ClassCounts(signal=1))], 10)
    assert len(bins) == 10
    assert bins[0].start == 0.0 and bins[-1].end == 1.0
    assert [b.count for b in bins] == [0, 0, 2, 0, 0, 0, 0, 0, 0, 1]


def test_signal_ratio_is_zero_when_nothing_is_scored() -> None:
    assert signal_ratio(ClassCounts()) == 0.0
    assert signal_ratio(ClassCounts(signal=1, weak_signal=1, noise=2)) == 0.25
