"""Thresholds stored in `real` columns must compare as the reviewer typed them."""

from __future__ import annotations

import struct

from services.extractor.read_model import real_value


def _as_stored_in_a_real_column(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def test_a_threshold_read_back_from_a_real_column_admits_an_atom_of_exactly_that_confidence() -> None:
    stored = _as_stored_in_a_real_column(0.8)
    assert stored > 0.8  # what asyncpg hands back: 0.800000011920929
    assert 0.8 >= real_value(stored)
