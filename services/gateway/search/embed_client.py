"""The gateway's side of request-reply `embed`: query text → vector and model id, or a clear failure."""

from __future__ import annotations

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from shared.contracts.rpc import (
    EmbedKind,
    EmbedReply,
    EmbedRequest,
    RpcError,
    decode_embed_reply,
    embed_subject,
    encode,
)


class EmbeddingUnavailable(RuntimeError):
    """No usable vector for the query: the embedder is down, slow, or failed."""


async def embed_query(nc: nats.NATS, prefix: str, text: str, *, timeout: float) -> EmbedReply:
    return await embed_text(nc, prefix, text, kind="query", timeout=timeout)


async def embed_text(nc: nats.NATS, prefix: str, text: str, *, kind: EmbedKind, timeout: float) -> EmbedReply:
    """`kind` passage embeds the text as stored texts are (a query word compared with stored words)."""
    try:
        request = EmbedRequest(text=text, kind=kind)
        msg = await nc.request(embed_subject(prefix), encode(request), timeout=timeout)
    except NoRespondersError:
        raise EmbeddingUnavailable("no embedder is running to embed the query") from None
    except (NatsTimeoutError, TimeoutError):
        raise EmbeddingUnavailable(f"the embedder did not answer within {timeout:g} s") from None
    try:
        reply = decode_embed_reply(msg.data)
    except RpcError as exc:
        raise EmbeddingUnavailable(str(exc)) from None
    if reply.error is not None:
        raise EmbeddingUnavailable(f"the embedder could not embed the query: {reply.error}")
    return reply
