"""The request-reply `embed` contract: subjects outside the stream, strict decoding."""

from __future__ import annotations

import pytest

from shared.contracts.rpc import (
    EmbedReply,
    EmbedRequest,
    RpcError,
    decode_embed_reply,
    decode_embed_request,
    embed_subject,
    encode,
)


def test_the_embed_subject_is_outside_the_streams_prefix() -> None:
    subject = embed_subject("tt")
    assert subject == "tt_rpc.embed"
    assert not subject.startswith("tt.")


def test_a_request_round_trips_and_defaults_to_the_query_convention() -> None:
    request = decode_embed_request(encode(EmbedRequest(text="пошук")))
    assert request == EmbedRequest(text="пошук", kind="query")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "invalid embed request"),
        (b'{"text": "x", "colour": 1}', "unknown field"),
        (b'{"text": "x", "kind": "document"}', "invalid embed request"),
        (b'{"text": "   "}', "text is empty"),
    ],
)
def test_a_bad_request_is_refused_with_the_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(RpcError, match=reason):
        decode_embed_request(payload)


def test_a_reply_carries_either_a_vector_with_its_model_or_an_error() -> None:
    reply = decode_embed_reply(encode(EmbedReply(model_id="m", dimensions=2, vector=[0.6, 0.8])))
    assert reply.vector == [0.6, 0.8] and reply.error is None
    assert decode_embed_reply(encode(EmbedReply(error="boom"))).error == "boom"
