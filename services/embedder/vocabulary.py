"""New words of the chat's vocabulary: each is embedded once per model, alongside the messages it first appears
in, and published (messages.terms_embedded) for the projector's `search_terms`, where search translates query
words through them (services/gateway/search/translations.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import asyncpg

from shared.text.vocabulary import text_terms

TERMS_PER_EVENT = 64  # ~250 KB of JSON: well under NATS's max_payload, whatever the batch brings


class Vocabulary:
    """The terms stored for each model, as far as this embedder knows: read from the read model once, then grown
    by what it publishes. Knowing too little only embeds a word again (the projector keeps the first)."""

    def __init__(self) -> None:
        self._known: dict[str, set[str]] = {}

    async def _terms(self, pool: asyncpg.Pool | None, model_id: str) -> set[str]:
        known = self._known.get(model_id)
        if known is None:
            rows = (
                []
                if pool is None
                else await pool.fetch("SELECT term FROM search_terms WHERE embedding_model = $1", model_id)
            )
            known = self._known[model_id] = {row["term"] for row in rows}
        return known

    async def claim_new(self, pool: asyncpg.Pool | None, model_id: str, texts: Iterable[str]) -> list[str]:
        """The texts' terms not yet known for the model, now counted as known (`release` them if unpublished)."""
        known = await self._terms(pool, model_id)
        fresh = [t for t in dict.fromkeys(t for text in texts for t in text_terms(text)) if t not in known]
        known.update(fresh)
        return fresh

    def release(self, model_id: str, terms: Sequence[str]) -> None:
        self._known.get(model_id, set()).difference_update(terms)


def chunks(terms: Sequence[str]) -> list[Sequence[str]]:
    return [terms[i : i + TERMS_PER_EVENT] for i in range(0, len(terms), TERMS_PER_EVENT)]


def terms_msg_id(model_id: str, terms: Sequence[str]) -> str:
    """`Nats-Msg-Id` of a terms event: a retried batch publishes the same words once."""
    digest = hashlib.sha256("\n".join(terms).encode("utf-8")).hexdigest()[:16]
    return f"terms:{model_id}:{digest}"
