"""What an analysis run reads from the read models: its run, project, agent, messages and similar tasks."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.extractor.analysis.drafts import ProjectContext
from services.extractor.analysis.llm import LLMProposer
from services.extractor.analysis.offline import OfflineProposer
from services.extractor.model import SourceMessage
from services.extractor.read_model import source_message
from shared.llm.agents import AgentUnusable as LLMAgentUnusable
from shared.llm.agents import agent_for_role
from shared.llm.structured import StructuredClient
from shared.settings import Settings


class AgentUnusable(Exception):
    """The run's agent cannot propose (missing, inactive, no model, key unreadable); the run fails with this."""


async def project(pool: asyncpg.Pool, project_id: str | None) -> ProjectContext | None:
    if project_id is None:
        return None
    row = await pool.fetchrow(
        "SELECT name, keywords, glossary, components, priority_rules FROM projects WHERE id = $1", project_id
    )
    if row is None:
        return None
    return ProjectContext(
        name=row["name"],
        keywords=list(row["keywords"]),
        glossary=dict(row["glossary"]),
        components=list(row["components"]),
        priority_rules=list(row["priority_rules"]),
    )


async def window(pool: asyncpg.Pool, start: datetime, end: datetime) -> tuple[int, list[SourceMessage]]:
    """How many messages the window holds, and its signal and weak-signal messages (a person's label wins)."""
    total = await pool.fetchval("SELECT count(*) FROM messages WHERE sent_at >= $1 AND sent_at < $2", start, end)
    rows = await pool.fetch(
        """
        SELECT m.key, m.text, m.sent_at, m.chat_id, m.thread_id, m.reply_to_message_id, m.message_id, m.language,
               p.display_name AS author, coalesce(m.classification_override, m.classification) AS classification,
               coalesce(m.importance_score, 0.5) AS score
        FROM messages m LEFT JOIN profiles p ON p.id = m.author_id
        WHERE m.sent_at >= $1 AND m.sent_at < $2
          AND coalesce(m.classification_override, m.classification) IN ('signal', 'weak_signal')
        ORDER BY m.sent_at, m.id
        """,
        start,
        end,
    )
    messages = [source_message(r, r["author"]) for r in rows]
    return total, messages


async def proposer(pool: asyncpg.Pool, agent_id: str | None, settings: Settings) -> OfflineProposer | LLMProposer:
    """The run's task_proposer: offline when its provider is the local one, else the provider's chat API.

    An agent named by the run that is missing or inactive fails the run rather than falling back silently.
    """
    if agent_id is not None:
        active = await pool.fetchval("SELECT active FROM agents WHERE id = $1", agent_id)
        if active is None:
            raise AgentUnusable(f"agent {agent_id} does not exist")
        if not active:
            raise AgentUnusable(f"agent {agent_id} is inactive")
    try:
        agent = await agent_for_role(pool, "task_proposer", settings.secret_key, agent_id)
    except LLMAgentUnusable as exc:
        raise AgentUnusable(str(exc)) from None
    if agent is None:
        return OfflineProposer()
    return LLMProposer(StructuredClient(agent, timeout_s=settings.llm_timeout_s))


async def similar_task(pool: asyncpg.Pool, message_keys: list[str]) -> tuple[str | None, float | None]:
    """The existing task closest to the proposal: cosine between the centroid of the proposal's message
    embeddings and each task's embedding (the centroid of its messages, kept by the gateway), same model only."""
    row = await pool.fetchrow(
        """
        WITH q AS (
            SELECT avg(embedding) AS v, min(embedding_model) AS model FROM messages
            WHERE key = ANY($1::text[]) AND embedding IS NOT NULL HAVING count(DISTINCT embedding_model) = 1
        )
        SELECT t.id, 1 - (t.embedding <=> q.v) AS similarity
        FROM tasks t, q
        WHERE t.embedding IS NOT NULL AND t.embedding_model = q.model AND t.status <> 'closed'
        ORDER BY t.embedding <=> q.v LIMIT 1
        """,
        message_keys,
    )
    if row is None:
        return None, None
    return str(row["id"]), round(max(-1.0, min(1.0, float(row["similarity"]))), 4)


async def atoms_citing(pool: asyncpg.Pool, message_keys: list[str]) -> list[str]:
    """Knowledge atoms drawn from the same messages: the proposal (and the task it becomes) links back to them."""
    rows = await pool.fetch(
        "SELECT id FROM atoms WHERE source_message_keys && $1::text[] AND NOT archived ORDER BY created_at, id",
        message_keys,
    )
    return [str(r["id"]) for r in rows]
