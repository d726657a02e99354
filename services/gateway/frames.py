"""The WebSocket frame of an event, one format for live relay and for replay from the `events` log.

`{"seq","topic","type","occurred_at","data"}` (SPEC.md §7). Some payload fields are for the pipeline, not for
browsers: a `messages.embedded` vector is 384 floats (~8 KB of JSON) that no client renders, so frames leave
it out (the `events` log and the bus keep it).
"""

from __future__ import annotations

import msgspec

from shared.contracts import Envelope, spec_for

NOT_RELAYED: dict[str, frozenset[str]] = {
    "messages.embedded": frozenset({"vector"}),
    "messages.terms_embedded": frozenset({"terms"}),
}
_encoder = msgspec.json.Encoder()


def relayed_data(envelope: Envelope, data_json: str) -> str:
    """The payload JSON as clients get it: the log's encoding, less the fields that are not relayed."""
    omit = NOT_RELAYED.get(envelope.type)
    if not omit:
        return data_json
    fields = msgspec.structs.asdict(envelope.data)
    return _encoder.encode({k: v for k, v in fields.items() if k not in omit}).decode()


def frame_text(seq: int, envelope: Envelope, data_json: str | None = None) -> str:
    """The frame, encoded once for every client; `data_json` is the payload already encoded for the log."""
    if data_json is None:
        data_json = _encoder.encode(envelope.data).decode()
    head = _encoder.encode(
        {"seq": seq, "topic": spec_for(envelope.type).topic, "type": envelope.type, "occurred_at": envelope.occurred_at}
    )
    return f'{head[:-1].decode()},"data":{relayed_data(envelope, data_json)}}}'
