"""The stream sequence JetStream puts in a message's reply subject, read on the hot path.

`msg.metadata` builds three dataclass objects and a timestamp per message; a projection reading a
thousand messages a batch only needs the stream sequence.
"""

from __future__ import annotations

from nats.aio.msg import Msg

# $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>
_V1_TOKENS = 9
_V1_STREAM_SEQ = 5


def stream_sequence(msg: Msg) -> int:
    """Same as `msg.metadata.sequence.stream` (both reply formats, with or without a domain)."""
    tokens = msg.reply.split(".")
    return int(tokens[_V1_STREAM_SEQ] if len(tokens) == _V1_TOKENS else tokens[Msg.Ack.StreamSeq])
