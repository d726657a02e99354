"""Profiles: the authors of messages, one per source user."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, Parameter

from services.gateway.api.responses import Profile, ProfileDetail, shaped

_SELECT = """
SELECT p.id, p.source, p.source_user_id, p.display_name, p.username, p.language, p.is_bot, p.avatar_path,
       p.created_at, p.updated_at,
       (SELECT count(*) FROM messages m WHERE m.author_id = p.id) AS message_count
FROM profiles p
"""


class ProfilesController(Controller):
    path = "/api/v1/profiles"
    tags = ["profiles"]

    @get("/", operation_id="listProfiles")
    async def list_profiles(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str | None, Parameter(description="part of the name or username")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Profile]:
        rows = await request.app.state.pool.fetch(
            _SELECT + " WHERE ($1::text IS NULL OR p.display_name ILIKE '%' || $1 || '%' OR p.username ILIKE"
            " '%' || $1 || '%') ORDER BY p.display_name, p.id LIMIT $2 OFFSET $3",
            q,
            limit,
            offset,
        )
        return shaped([dict(r) for r in rows], list[Profile])  # type: ignore[no-any-return]

    @get("/{profile_id:int}", operation_id="getProfile")
    async def detail(self, request: Request[Any, Any, Any], profile_id: FromPath[int]) -> ProfileDetail:
        pool = request.app.state.pool
        row = await pool.fetchrow(_SELECT + " WHERE p.id = $1", profile_id)
        if row is None:
            raise NotFoundException(f"no profile {profile_id}")
        chats = await pool.fetch(
            "SELECT chat_id, count(*) AS messages, max(sent_at) AS last_sent_at FROM messages WHERE author_id = $1"
            " GROUP BY chat_id ORDER BY last_sent_at DESC",
            profile_id,
        )
        return shaped({**dict(row), "chats": [dict(c) for c in chats]}, ProfileDetail)  # type: ignore[no-any-return]
