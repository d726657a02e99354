"""What the scorer reads from the gateway's read models (it never writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.scorer.context import AUTHOR_HISTORY


class ContextRequest(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    chat_id: str
    text: str
    sent_at: datetime | None  # None: an edit, whose original send time only the read model knows
    author: str | None  # source user id; None: take it from the stored message
    need_author: bool  # False when the author's record is cached (or appears earlier in the batch)


class ContextRow(msgspec.Struct, frozen=True, kw_only=True):
    sent_at: datetime | None
    author: str | None
    is_reply: bool  # from the stored message (edits do not say whether they reply)
    previous_at: datetime | None  # latest earlier message in the same chat
    author_signal: int | None
    author_total: int | None
    repeats: int = 0  # earlier messages of the chat with the same text inside the repeat window


# One statement per batch: the stored row of each message (for edits), the chat's previous message, how often
# the chat already saw the same text (index on chat_id, md5(text) — migration 0011), and the author's recent
# record — the lateral author count is gated so cached authors cost nothing.
# The record is per author, not per message (a re-scored message counts its own earlier label), so one
# cached value serves every message of that author.
_CONTEXT_SQL = f"""
WITH q AS (
    SELECT q.ord, q.key, q.chat_id, q.need_author, q.text,
           coalesce(q.sent_at, m.sent_at) AS sent_at,
           coalesce(q.author, p.source_user_id) AS author,
           coalesce(m.reply_to_message_id IS NOT NULL, false) AS is_reply
    FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::bool[], $6::text[])
         WITH ORDINALITY AS q(key, chat_id, sent_at, author, need_author, text, ord)
    LEFT JOIN messages m ON m.key = q.key
    LEFT JOIN profiles p ON p.id = m.author_id
)
SELECT q.sent_at, q.author, q.is_reply,
       (SELECT max(m.sent_at) FROM messages m WHERE m.chat_id = q.chat_id AND m.sent_at < q.sent_at)
           AS previous_at,
       (SELECT count(*)::int FROM messages r
        WHERE r.chat_id = q.chat_id AND md5(r.text) = md5(q.text) AND r.text = q.text AND r.key <> q.key
          AND r.sent_at < q.sent_at AND r.sent_at >= q.sent_at - make_interval(secs => $7)) AS repeats,
       a.signal AS author_signal, a.total AS author_total
FROM q
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE r.effective_classification = 'signal')::int AS signal, count(*)::int AS total
    FROM (
        SELECT m.effective_classification
        FROM profiles p JOIN messages m ON m.author_id = p.id
        WHERE q.need_author AND q.author IS NOT NULL
          AND p.source = split_part(q.key, ':', 1) AND p.source_user_id = q.author
          AND m.effective_classification IS NOT NULL
        ORDER BY m.sent_at DESC
        LIMIT {AUTHOR_HISTORY}
    ) r
) a ON true
ORDER BY q.ord
"""


async def fetch_context(
    pool: asyncpg.Pool, requests: Sequence[ContextRequest], repeat_window_s: float = 7 * 86400.0
) -> list[ContextRow]:
    """Context rows in the order of `requests`, in one round trip."""
    if not requests:
        return []
    rows = await pool.fetch(
        _CONTEXT_SQL,
        [r.key for r in requests],
        [r.chat_id for r in requests],
        [r.sent_at for r in requests],
        [r.author for r in requests],
        [r.need_author for r in requests],
        [r.text for r in requests],
        repeat_window_s,
    )
    return [
        ContextRow(
            sent_at=row["sent_at"],
            author=row["author"],
            is_reply=row["is_reply"],
            previous_at=row["previous_at"],
            author_signal=row["author_signal"] if requests[i].need_author else None,
            author_total=row["author_total"] if requests[i].need_author else None,
            repeats=row["repeats"] or 0,
        )
        for i, row in enumerate(rows)
    ]


class OverrideRow(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    key: str
    text: str
    classification: str  # the reviewer's class


async def fetch_overrides(pool: asyncpg.Pool, chat_ids: Sequence[str], per_chat: int) -> list[OverrideRow]:
    """The latest `per_chat` reviewer overrides of each chat (partial index, migration 0011)."""
    if not chat_ids:
        return []
    rows = await pool.fetch(
        """
        SELECT o.chat_id, o.key, o.text, o.classification_override AS classification
        FROM unnest($1::text[]) AS c(chat_id)
        CROSS JOIN LATERAL (
            SELECT m.chat_id, m.key, m.text, m.classification_override
            FROM messages m
            WHERE m.chat_id = c.chat_id AND m.classification_override IS NOT NULL
            ORDER BY m.override_at DESC
            LIMIT $2
        ) o
        """,
        list(chat_ids),
        per_chat,
    )
    return [OverrideRow(**dict(row)) for row in rows]


async def fetch_topic_keywords(pool: asyncpg.Pool, chat_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """Keywords of the active topics extracted from each chat's messages (empty until topics exist)."""
    if not chat_ids:
        return {}
    rows = await pool.fetch(
        """
        SELECT DISTINCT split_part(k, ':', 2) AS chat_id, kw
        FROM topics t
        CROSS JOIN LATERAL unnest(t.source_message_keys) AS k
        CROSS JOIN LATERAL unnest(t.keywords) AS kw
        WHERE t.active AND split_part(k, ':', 2) = ANY($1::text[]) AND btrim(kw) <> ''
        """,
        list(chat_ids),
    )
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["chat_id"], set()).add(row["kw"])
    return {chat: frozenset(words) for chat, words in found.items()}


class UnscoredMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    key: str
    chat_id: str
    text: str
    language: str
    sent_at: datetime
    is_reply: bool
    author: str | None


async def fetch_unscored(pool: asyncpg.Pool, *, after_id: int, limit: int) -> list[UnscoredMessage]:
    """The next page of messages with no score yet, by id (keyset, so a page is never read twice)."""
    rows = await pool.fetch(
        """
        SELECT m.id, m.key, m.chat_id, m.text, m.language, m.sent_at,
               m.reply_to_message_id IS NOT NULL AS is_reply, p.source_user_id AS author
        FROM messages m LEFT JOIN profiles p ON p.id = m.author_id
        WHERE m.classification IS NULL AND m.id > $1
        ORDER BY m.id
        LIMIT $2
        """,
        after_id,
        limit,
    )
    return [UnscoredMessage(**dict(row)) for row in rows]


class JudgeAgentRow(msgspec.Struct, frozen=True, kw_only=True):
    agent: str
    model: str | None
    temperature: float
    max_tokens: int
    custom_prompt: str | None
    provider: str
    provider_type: str
    base_url: str | None
    api_key_encrypted: bytes | None
    provider_models: list[str]


async def fetch_judge_agent(pool: asyncpg.Pool) -> JudgeAgentRow | None:
    """The active importance_scorer agent on an active OpenAI-compatible provider, if any.

    The seeded system agent points at the offline `local` provider, so out of the box this is None
    and the heuristic alone scores. A person's own agent wins over the system one.
    """
    row = await pool.fetchrow(
        """
        SELECT a.name AS agent, a.model, a.temperature, a.max_tokens, a.custom_prompt,
               p.name AS provider, p.type AS provider_type, p.base_url, p.api_key_encrypted,
               p.models AS provider_models
        FROM agents a JOIN llm_providers p ON p.id = a.provider_id
        WHERE a.role = 'importance_scorer' AND a.active AND p.active
          AND p.type IN ('openai', 'openai_compatible', 'ollama')
        ORDER BY a.is_system, a.updated_at DESC
        LIMIT 1
        """
    )
    return None if row is None else JudgeAgentRow(**dict(row))
