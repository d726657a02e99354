"""Request-reply contracts over core NATS (queries, not events): never stored in the stream.

Their subjects sit under `<prefix>_rpc.` rather than `<prefix>.`: the JetStream stream captures
`<prefix>.>` and would answer a request with its PubAck before any service could.
"""

from __future__ import annotations

from typing import Literal

import msgspec

EmbedKind = Literal["query", "passage"]
MAX_EMBED_CHARS = 4000  # far beyond the model's 512 tokens; bounds the request size


def rpc_subject(prefix: str, name: str) -> str:
    return f"{prefix}_rpc.{name}"


def embed_subject(prefix: str) -> str:
    """Where the embedder answers `embed` requests (queue group, so replicas share the load)."""
    return rpc_subject(prefix, "embed")


class EmbedRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: str
    kind: EmbedKind = "query"  # search text gets the model's query convention, stored text the passage one


class EmbedReply(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Either a vector with the model that made it, or an error saying why there is none."""

    model_id: str = ""
    dimensions: int = 0
    vector: list[float] = []
    error: str | None = None


_request_decoder = msgspec.json.Decoder(EmbedRequest)
_reply_decoder = msgspec.json.Decoder(EmbedReply)
_encoder = msgspec.json.Encoder()


class RpcError(ValueError):
    """A request or reply that does not match its contract."""


def encode(value: EmbedRequest | EmbedReply) -> bytes:
    return _encoder.encode(value)


def decode_embed_request(payload: bytes) -> EmbedRequest:
    try:
        request = _request_decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise RpcError(f"invalid embed request: {exc}") from None
    if not request.text.strip():
        raise RpcError("invalid embed request: text is empty")
    if len(request.text) > MAX_EMBED_CHARS:
        raise RpcError(f"invalid embed request: text longer than {MAX_EMBED_CHARS} characters")
    return request


def decode_embed_reply(payload: bytes) -> EmbedReply:
    try:
        return _reply_decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise RpcError(f"invalid embed reply: {exc}") from None
