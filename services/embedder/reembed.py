"""What `cmd.embedder.reembed` has to redo: read-model rows whose vector is not from the current model, and the
words of the vocabulary (search_terms) that the embedded messages hold but the vocabulary lacks.

The embedder only reads the read models; the new vectors travel as events and the gateway writes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from services.embedder.selection import Pending
from services.embedder.texts import EmbedPolicy, atom_text, message_text, parse_policy, topic_text

_CLASSES = {"signal": ["signal", "weak_signal"], "all": ["signal", "weak_signal", "noise"]}


async def stale_messages(
    pool: asyncpg.Pool, model_id: str, policy: EmbedPolicy | str, page: int
) -> AsyncIterator[list[Pending]]:
    """Pages of messages the policy accepts whose embedding is missing or from another model (keyset order)."""
    classes = _CLASSES[parse_policy(policy)]
    after = ""
    while True:
        rows = await pool.fetch(
            """
            SELECT key, text FROM messages
            WHERE embedding_model IS DISTINCT FROM $1 AND effective_classification = ANY($2::text[]) AND key > $3
            ORDER BY key
            LIMIT $4
            """,
            model_id,
            classes,
            after,
            page,
        )
        if not rows:
            return
        after = rows[-1]["key"]
        batch = [Pending(r["key"], text) for r in rows if (text := message_text(r["text"])) is not None]
        if batch:
            yield batch


async def stale_entities(pool: asyncpg.Pool, entity: str, model_id: str, page: int) -> AsyncIterator[list[Pending]]:
    """Pages of atoms or topics whose embedding is missing or from another model."""
    sql = {
        "atom": "SELECT id, title AS head, content AS body FROM atoms",
        "topic": "SELECT id, name AS head, description AS body FROM topics",
    }[entity]
    build = atom_text if entity == "atom" else topic_text
    after: object = None
    while True:
        rows = await pool.fetch(
            f"{sql} WHERE embedding_model IS DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
            model_id,
            after,
            page,
        )
        if not rows:
            return
        after = rows[-1]["id"]
        yield [Pending(str(r["id"]), build(r["head"], r["body"])) for r in rows]


async def embedded_texts(pool: asyncpg.Pool, model_id: str, page: int) -> AsyncIterator[list[str]]:
    """Pages of the texts of messages embedded with this model (their words make the vocabulary)."""
    after = ""
    while True:
        rows = await pool.fetch(
            "SELECT key, text FROM messages WHERE embedding_model = $1 AND key > $2 ORDER BY key LIMIT $3",
            model_id,
            after,
            page,
        )
        if not rows:
            return
        after = rows[-1]["key"]
        yield [r["text"] for r in rows]


async def vocabulary_missing(pool: asyncpg.Pool, model_id: str) -> bool:
    """Messages are embedded with this model but none of their words is: an install from before the vocabulary."""
    return bool(
        await pool.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM messages WHERE embedding_model = $1)
                   AND NOT EXISTS (SELECT 1 FROM search_terms WHERE embedding_model = $1)
            """,
            model_id,
        )
    )
