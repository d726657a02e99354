"""The stream sequence read from the reply subject agrees with nats-py's own metadata parser."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from shared.bus.reply import stream_sequence

REPLIES = [
    "$JS.ACK.TT.gateway--projections.1.4821.4790.1732800000000000000.17",  # v1: no domain
    "$JS.ACK._.ACCHASH.TT.gateway--projections.2.99.98.1732800000000000000.0",  # v2, no domain
    "$JS.ACK.hub.ACCHASH.TT.gateway--projections.1.123456789.5.1732800000000000000.3.rnd",  # v2 with a token
]


@pytest.mark.parametrize("reply", REPLIES)
def test_stream_sequence_matches_nats_metadata(reply: str) -> None:
    msg = Msg(_client=None, subject="tt.x", reply=reply, data=b"")  # type: ignore[arg-type]
    assert stream_sequence(msg) == msg.metadata.sequence.stream


def test_the_sequences_differ_so_the_check_means_something() -> None:
    sequences = [stream_sequence(Msg(_client=None, subject="s", reply=r, data=b"")) for r in REPLIES]  # type: ignore[arg-type]
    assert sequences == [4821, 99, 123456789]
