"""Chats and their monitored flag (the allow-list every ingestion path obeys)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch
from litestar.params import FromPath, FromQuery, JSONBody

from services.gateway.api.responses import Chat, shaped
from shared.contracts.messages import ChatUpdated

_SELECT = """
SELECT c.chat_id, c.source, c.title, c.type, c.monitored, c.created_at, c.updated_at,
       (SELECT count(*) FROM messages m WHERE m.source = c.source AND m.chat_id = c.chat_id) AS message_count
FROM chats c
"""


class ChatPatch(msgspec.Struct, forbid_unknown_fields=True):
    monitored: bool


class ChatsController(Controller):
    path = "/api/v1/chats"
    tags = ["chats"]

    @get("/", operation_id="listChats")
    async def list_chats(self, request: Request[Any, Any, Any], monitored: FromQuery[bool | None] = None) -> list[Chat]:
        rows = await request.app.state.pool.fetch(
            _SELECT + " WHERE ($1::boolean IS NULL OR c.monitored = $1) ORDER BY c.title NULLS LAST, c.chat_id",
            monitored,
        )
        return shaped([dict(r) for r in rows], list[Chat])  # type: ignore[no-any-return]

    @patch("/{chat_id:str}", operation_id="updateChat", status_code=202)
    async def update(self, request: Request[Any, Any, Any], chat_id: FromPath[str], data: JSONBody[ChatPatch]) -> Chat:
        """Set the monitored flag; an unknown chat id is allowed (so a webhook chat can be allowed up front).

        202: the read model follows as soon as the gateway projects the `messages.chat_updated` event.
        """
        state = request.app.state
        await state.publisher.emit(ChatUpdated(chat_id=chat_id, monitored=data.monitored, changed_by="api"))
        row = await state.pool.fetchrow(_SELECT + " WHERE c.source = 'telegram' AND c.chat_id = $1", chat_id)
        current = dict(row) if row else {"chat_id": chat_id, "source": "telegram", "title": None, "type": None}
        return shaped({**current, "monitored": data.monitored}, Chat)  # type: ignore[no-any-return]
