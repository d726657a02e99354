"""Request-reply `embed` over core NATS: the gateway's semantic search asks for its query vector here."""

from __future__ import annotations

from faststream.nats.annotations import NatsMessage

from services.embedder.providers import EmbeddingProvider
from services.embedder.selection import vector_values
from shared.bus.service import Stage
from shared.contracts.rpc import EmbedReply, RpcError, decode_embed_request, embed_subject, encode
from shared.logging import get_logger

log = get_logger(__name__)


async def answer(provider: EmbeddingProvider, payload: bytes) -> EmbedReply:
    """The reply to one request; bad input and provider failures become an `error`, never silence."""
    try:
        request = decode_embed_request(payload)
    except RpcError as exc:
        return EmbedReply(error=str(exc))
    try:
        if request.kind == "query":
            vector = await provider.embed_query(request.text)
        else:
            vector = (await provider.embed_passages([request.text]))[0]
    except Exception as exc:
        log.warning("embed_request_failed", error=f"{type(exc).__name__}: {exc}")
        return EmbedReply(error=f"{type(exc).__name__}: {exc}")
    return EmbedReply(model_id=provider.model_id, dimensions=int(vector.shape[0]), vector=vector_values(vector))


def register(stage: Stage) -> None:
    """Answer on `<prefix>_rpc.embed` in a queue group, so replicas of the stage share the requests."""

    @stage.broker.subscriber(embed_subject(stage.prefix), queue=f"{stage.name}-rpc", title=f"{stage.name}:rpc.embed")
    async def embed(msg: NatsMessage) -> bytes:
        """Embed one query text; replies with the vector and the model id, or an error."""
        return encode(await answer(stage.state["provider"], msg.body))
