"""What the extractor reads from the read models (never writes): messages, topics, atoms, schedules, rules.

Vectors are compared only when they come from the model the extractor embeds with (`model_id`): two models'
vectors are never mixed (SPEC §6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import asyncpg
import msgspec

from services.extractor.matching import KnownAtom, KnownTopic
from services.extractor.model import SourceMessage, Vector
from services.extractor.planning import KnowledgeView

SIGNAL = ("signal", "weak_signal")
MAX_ATOMS = 20_000  # the most recent atoms a run matches against in memory

_MESSAGE_COLUMNS = """key, chat_id, message_id, text, thread_id, reply_to_message_id, sent_at, language,
    coalesce(effective_classification, 'weak_signal') AS classification, coalesce(importance_score, 0.5) AS score,
    author_id, CASE WHEN embedding_model = $1 THEN embedding END AS embedding"""


def source_message(row: asyncpg.Record, author: str | None) -> SourceMessage:
    """A messages row (with `classification` and `score` as the reader chose them) as a run reads it."""
    return SourceMessage(
        key=row["key"],
        text=row["text"],
        sent_at=row["sent_at"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        reply_to=row["reply_to_message_id"],
        message_id=row["message_id"],
        author=author,
        language=row["language"],
        classification=row["classification"],
        score=float(row["score"]),
    )


def _message(row: asyncpg.Record) -> SourceMessage:
    return source_message(row, None if row["author_id"] is None else str(row["author_id"]))


def _split(rows: Sequence[asyncpg.Record]) -> tuple[list[SourceMessage], dict[str, Vector]]:
    return [_message(r) for r in rows], {r["key"]: r["embedding"] for r in rows if r["embedding"] is not None}


async def messages_by_keys(
    pool: Any, model_id: str, keys: Sequence[str]
) -> tuple[list[SourceMessage], dict[str, Vector]]:
    rows = await pool.fetch(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE key = ANY($2::text[]) ORDER BY sent_at", model_id, list(keys)
    )
    return _split(rows)


async def messages_in_period(
    pool: Any,
    model_id: str,
    chats: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    min_score: float | None = None,
    unconsumed_only: bool = False,
) -> tuple[list[SourceMessage], dict[str, Vector]]:
    """Every message of the chats (all chats when empty) in the period, noise included (the run reads it).

    `unconsumed_only` (scheduled runs): skip what an earlier run already read, so a schedule whose look-back
    overlaps its previous fire does not extract a message twice.
    """
    rows = await pool.fetch(
        f"""SELECT {_MESSAGE_COLUMNS} FROM messages
            WHERE (cardinality($2::text[]) = 0 OR chat_id = ANY($2::text[]))
              AND ($3::timestamptz IS NULL OR sent_at >= $3) AND ($4::timestamptz IS NULL OR sent_at < $4)
              AND ($5::real IS NULL OR coalesce(importance_score, 0) >= $5)
              AND (NOT $6::boolean OR extraction_run_id IS NULL)
            ORDER BY sent_at LIMIT 5000""",
        model_id,
        list(chats),
        start,
        end,
        min_score,
        unconsumed_only,
    )
    return _split(rows)


async def unassigned_signal(
    pool: Any, model_id: str, chat_id: str, since: datetime
) -> tuple[list[SourceMessage], dict[str, Vector]]:
    """The auto trigger's messages: signal / weak_signal, no topic, no run, sent since `since`."""
    rows = await pool.fetch(
        f"""SELECT {_MESSAGE_COLUMNS} FROM messages
            WHERE chat_id = $2 AND effective_classification = ANY($3::text[]) AND topic_id IS NULL
              AND extraction_run_id IS NULL AND sent_at >= $4
            ORDER BY sent_at LIMIT 500""",
        model_id,
        chat_id,
        list(SIGNAL),
        since,
    )
    return _split(rows)


async def unassigned_counts(pool: Any, since: datetime) -> dict[str, int]:
    """Per chat, how many messages the auto trigger would take (rebuilds the stage's counters at start)."""
    rows = await pool.fetch(
        """SELECT chat_id, count(*) AS n FROM messages
           WHERE effective_classification = ANY($1::text[]) AND topic_id IS NULL AND extraction_run_id IS NULL
             AND sent_at >= $2 GROUP BY chat_id""",
        list(SIGNAL),
        since,
    )
    return {r["chat_id"]: int(r["n"]) for r in rows}


async def knowledge(pool: Any, model_id: str) -> KnowledgeView:
    """Active topics and recent atoms with their vectors (this model's only) and latest version numbers."""
    topics = await pool.fetch(
        """SELECT id::text, name, CASE WHEN embedding_model = $1 THEN embedding END AS embedding
           FROM topics WHERE active""",
        model_id,
    )
    atoms = await pool.fetch(
        """SELECT a.id::text, a.type, a.title, a.content, a.confidence, a.source_message_keys,
                  CASE WHEN a.embedding_model = $1 THEN a.embedding END AS embedding,
                  (SELECT max(version) FROM atom_versions v WHERE v.atom_id = a.id) AS version
           FROM atoms a WHERE NOT a.archived ORDER BY a.created_at DESC LIMIT $2""",
        model_id,
        MAX_ATOMS,
    )
    return KnowledgeView(
        topics=[KnownTopic(id=r["id"], name=r["name"], vector=r["embedding"]) for r in topics],
        atoms=[
            KnownAtom(
                id=r["id"],
                type=r["type"],
                title=r["title"],
                content=r["content"],
                confidence=float(r["confidence"]),
                message_keys=list(r["source_message_keys"]),
                vector=r["embedding"],
            )
            for r in atoms
        ],
        atom_versions={r["id"]: int(r["version"] or 1) for r in atoms},
    )


def real_value(value: float) -> float:
    """A `real` column's value as it was written: 0.8 is stored as 0.800000011920929, and an atom of confidence
    exactly 0.8 must still meet a threshold of 0.8 (the gateway's dry-run rounds the same way)."""
    return round(float(value), 6)


class Schedule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    cron: str
    kind: str = "extraction"  # or "analysis": an analysis run over the lookback window, for project_id
    project_id: str | None = None
    agent_id: str | None
    chats: list[str]
    min_score: float | None
    lookback_hours: int
    auto_approve: bool
    confidence_threshold: float
    allowed_atom_types: list[str]


async def schedules(pool: Any) -> list[Schedule]:
    rows = await pool.fetch(
        """SELECT id::text, name, cron, kind, project_id::text, agent_id::text, chats, min_score, lookback_hours,
                  auto_approve, confidence_threshold, allowed_atom_types FROM scheduled_extractions WHERE active"""
    )
    return [
        Schedule(
            id=r["id"],
            name=r["name"],
            cron=r["cron"],
            kind=r["kind"],
            project_id=r["project_id"],
            agent_id=r["agent_id"],
            chats=list(r["chats"]),
            min_score=r["min_score"],
            lookback_hours=int(r["lookback_hours"]),
            auto_approve=bool(r["auto_approve"]),
            confidence_threshold=real_value(r["confidence_threshold"]),
            allowed_atom_types=list(r["allowed_atom_types"]),
        )
        for r in rows
    ]


async def schedule(pool: Any, schedule_id: str) -> Schedule | None:
    return next((s for s in await schedules(pool) if s.id == schedule_id), None)


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    id: str | None  # None: the schedule's own auto-approve setting
    atom_types: list[str]
    min_confidence: float


async def approval_rules(pool: Any, schedule_id: str | None) -> list[Rule]:
    """Active global rules and the schedule's; an older database without the table has none."""
    try:
        rows = await pool.fetch(
            """SELECT id::text, atom_types, min_confidence FROM auto_approval_rules
               WHERE active AND (schedule_id IS NULL OR schedule_id::text = $1)""",
            schedule_id,
        )
    except asyncpg.UndefinedTableError:
        return []
    return [
        Rule(id=r["id"], atom_types=list(r["atom_types"]), min_confidence=real_value(r["min_confidence"])) for r in rows
    ]


async def project_context(pool: Any) -> tuple[str, dict[str, str]]:
    """The prompt language and glossary of the most recently updated active project (uk and none by default)."""
    row = await pool.fetchrow("SELECT language, glossary FROM projects WHERE active ORDER BY updated_at DESC LIMIT 1")
    if row is None:
        return "uk", {}
    glossary = row["glossary"] if isinstance(row["glossary"], dict) else {}
    return (row["language"] or "uk"), {str(k): str(v) for k, v in glossary.items()}


class OpenRun(msgspec.Struct, frozen=True):
    """A run the read model shows executing (started, not ended)."""

    kind: Literal["extraction", "analysis"]
    run_id: str
    chat_id: str | None = None


_RUN_TABLES = {"extraction": "extraction_runs", "analysis": "analysis_runs"}


async def run_state(pool: Any, kind: Literal["extraction", "analysis"], run_id: str) -> tuple[str | None, bool]:
    """The run's status and whether it has started (None, False: not projected yet)."""
    row = await pool.fetchrow(
        f"SELECT status, started_at IS NOT NULL AS started FROM {_RUN_TABLES[kind]} WHERE id = $1", run_id
    )
    return (row["status"], row["started"]) if row else (None, False)


async def open_runs(pool: Any) -> list[OpenRun]:
    """Started runs not ended. An extraction run `cancelling` before it started is still queued: not included."""
    rows = await pool.fetch(
        """SELECT 'extraction' AS kind, id::text AS run_id, chat_id FROM extraction_runs
           WHERE status IN ('running', 'cancelling') AND started_at IS NOT NULL
           UNION ALL
           SELECT 'analysis', id::text, NULL FROM analysis_runs WHERE status = 'running'"""
    )
    return [OpenRun(r["kind"], r["run_id"], r["chat_id"]) for r in rows]
