"""Messages: filtered list with keyset pagination, and detail with edit and classification history."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, Parameter

from services.gateway.api.responses import MessageDetail, MessagePage, shaped
from services.gateway.pagination import decode_cursor, encode_cursor
from services.gateway.search.tsquery import filter_query
from services.gateway.where import Where
from shared.storable import INT64_MAX

_COLUMNS = """m.id, m.key, m.source, m.channel, m.chat_id, m.message_id, m.text, m.entities, m.language,
    m.reply_to_message_id, m.thread_id, m.forwarded_from, m.sent_at, m.edited_at, m.attachments,
    m.importance_score, m.classification AS scored_classification, m.classification_override,
    m.effective_classification AS classification, m.topic_id, m.created_at,
    p.id AS author_id, p.display_name AS author_name, p.username AS author_username"""
_FROM = "FROM messages m LEFT JOIN profiles p ON p.id = m.author_id"
USERNAME = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{2,31}")  # Telegram usernames, with or without the @


def page_sql(where: Where, limit: int) -> str:
    """One page of the list, newest first (served by messages_sent_id_idx, or a filter's own index)."""
    return f"SELECT {_COLUMNS} {_FROM}{where.sql} ORDER BY m.sent_at DESC, m.id DESC LIMIT {limit + 1}"


def _message(row: Any) -> dict[str, Any]:
    item = dict(row)
    author = {"id": item.pop("author_id"), "name": item.pop("author_name"), "username": item.pop("author_username")}
    item["author"] = author if author["id"] is not None else None
    return item


class MessagesController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]

    @get("/", operation_id="listMessages")
    async def list_messages(
        self,
        request: Request[Any, Any, Any],
        chat: FromQuery[str | None] = None,
        author: Annotated[
            str | None, Parameter(description="profile id, or a Telegram username (with or without @)", max_length=200)
        ] = None,
        topic: FromQuery[UUID | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        min_score: Annotated[float | None, Parameter(ge=0, le=1)] = None,
        max_score: Annotated[float | None, Parameter(ge=0, le=1)] = None,
        classification: FromQuery[Literal["signal", "weak_signal", "noise"] | None] = None,
        q: Annotated[str | None, Parameter(description="full-text search (web search syntax)")] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> MessagePage:
        """Newest first. `classification` is the effective one (a person's override wins over the scorer)."""
        if min_score is not None and max_score is not None and min_score > max_score:
            raise ClientException(detail="min_score must not exceed max_score", extra=[{"field": "min_score"}])
        where = Where()
        if chat is not None:
            where.add("m.chat_id = {}", chat)
        if author is not None:
            if author.isascii() and author.isdigit():
                if int(author) > INT64_MAX:
                    raise ClientException(detail="author: no profile id is that large", extra=[{"field": "author"}])
                where.add("m.author_id = {}", int(author))
            elif USERNAME.fullmatch(author):
                by_name = "m.author_id IN (SELECT id FROM profiles WHERE lower(username) = lower({}))"
                where.add(by_name, author.lstrip("@"))
            else:
                raise ClientException(
                    detail="author: a profile id (digits) or a Telegram username (letters, digits, _)",
                    extra=[{"field": "author"}],
                )
        if topic is not None:
            where.add("m.topic_id = {}", topic)
        if since is not None:
            where.add("m.sent_at >= {}", since)
        if until is not None:
            where.add("m.sent_at < {}", until)
        if min_score is not None:
            where.add("m.importance_score >= {}", min_score)
        if max_score is not None:
            where.add("m.importance_score <= {}", max_score)
        if classification is not None:
            where.add("m.effective_classification = {}", classification)
        if q:
            where.add("m.search @@ to_tsquery('simple', {})", filter_query(q))
        if cursor:
            where.add("(m.sent_at, m.id) < ({}, {})", *decode_cursor(cursor))
        sql = page_sql(where, limit)
        state = request.app.state

        async def read() -> MessagePage:
            rows = await state.pool.fetch(sql, *where.args)
            page = rows[:limit]
            next_cursor = encode_cursor(page[-1]["sent_at"], page[-1]["id"]) if len(rows) > limit else None
            return shaped({"items": [_message(r) for r in page], "next_cursor": next_cursor}, MessagePage)  # type: ignore[no-any-return]

        # The query and its arguments decide the page; the committed position decides whether it can have changed.
        return await state.read_cache.get((sql, *where.args), state.committed.applied_seq, read)  # type: ignore[no-any-return]

    @get("/{key:str}", operation_id="getMessage")
    async def detail(self, request: Request[Any, Any, Any], key: FromPath[str]) -> MessageDetail:
        """One message by its natural key (`telegram:<chat_id>:<message_id>`), with its history."""
        pool = request.app.state.pool
        row = await pool.fetchrow(f"SELECT {_COLUMNS}, m.score_factors, m.override_by, m.override_at, "
                                  f"m.override_reason {_FROM} WHERE m.key = $1", key)  # fmt: skip
        if row is None:
            raise NotFoundException(f"no message {key}")
        edits = await pool.fetch(
            "SELECT previous_text, text, edited_at, channel FROM message_edits"
            " WHERE message_key = $1 ORDER BY edited_at",
            key,
        )
        history = await pool.fetch(
            """
            SELECT kind, importance_score, classification, score_factors, scorer, model, reasoning, changed_by,
                   reason, changed_at
            FROM message_classification_history WHERE message_key = $1 ORDER BY changed_at, id
            """,
            key,
        )
        chat = await pool.fetchrow(
            "SELECT chat_id, title, type, monitored FROM chats WHERE source = $1 AND chat_id = $2",
            row["source"],
            row["chat_id"],
        )
        detail = {
            **_message(row),
            "chat": dict(chat) if chat else None,
            "edits": [dict(e) for e in edits],
            "classification_history": [dict(h) for h in history],
        }
        return shaped(detail, MessageDetail)  # type: ignore[no-any-return]
