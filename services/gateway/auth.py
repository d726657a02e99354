"""Who may call what: bearer tokens with a scope (read < review < admin), checked on every `/api/v1` route.

One app-wide guard decides for every route, so a route added later is covered without remembering to add a
guard: under `/api/v1` a token is required unless the route is marked public (health, the Telegram webhook,
which checks its own secret). GETs (and routes marked `opt={"scope": "read"}`) need `read`; other methods need
`admin` unless the route says `opt={"scope": "review"}`. HTTP takes the token only from the Authorization
header: a token in a URL ends up in access logs and browser history.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import IntEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shared.settings import Settings

PROTECTED_PREFIX = "/api/v1"
PUBLIC = {"public": True}  # route opt: no token (health, the Telegram webhook with its own secret)
REVIEW = {"scope": "review"}  # route or controller opt: review decisions and edits, not configuration
SAFE_METHODS = frozenset({"GET", "HEAD"})


class Scope(IntEnum):
    """Each scope includes the ones below it."""

    read = 1
    review = 2
    admin = 3


def parse_token(entry: str) -> tuple[str, Scope]:
    """`token` (admin, the plain form) or `token:scope`."""
    token, sep, scope = entry.rpartition(":")
    if sep and scope in Scope.__members__ and token:
        return token, Scope[scope]
    return entry, Scope.admin


def token_scope(presented: str | None, settings: Settings) -> Scope | None:
    """The scope of a presented token, or None when it is not one of ours (compared in constant time)."""
    if not presented:
        return None
    found: Scope | None = None
    for entry in settings.api_tokens:
        token, scope = parse_token(entry)
        if hmac.compare_digest(presented.encode(), token.encode()):
            found = scope
    return found


def token_valid(presented: str | None, settings: Settings) -> bool:
    return token_scope(presented, settings) is not None


def bearer_from(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def token_identity(token: str) -> str:
    """A stable name for a token that reveals nothing usable: a short hash of it."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def required_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> Scope | None:
    """None when the route is open to anyone."""
    if connection.scope["type"] != "http":
        return None  # the WebSocket authenticates itself (first frame or header), see ws.py
    if handler.opt.get("public") or not connection.scope["path"].startswith(PROTECTED_PREFIX):
        return None
    if connection.scope["method"] == "OPTIONS":
        return None  # Litestar's automatic OPTIONS answer names the allowed methods, nothing else
    if connection.scope["method"] in SAFE_METHODS:
        return Scope.read
    named = handler.opt.get("scope")
    return Scope[named] if named is not None else Scope.admin


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard (see the module docstring). A coroutine on purpose: Litestar runs a plain-function
    guard in a worker thread, two thread hops per request that cost more than the check (bench/api_load.py)."""
    needed = required_scope(connection, handler)
    if needed is None:
        return
    if connection.query_params.get("token") is not None:
        raise NotAuthorizedException("send the token in the Authorization header, never in the URL")
    scope = token_scope(bearer_from(connection), connection.app.state.settings)
    if scope is None:
        raise NotAuthorizedException(
            "a valid bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if scope < needed:
        raise PermissionDeniedException(f"this route needs a token with the {needed.name} scope (yours: {scope.name})")


async def requires_token(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Kept for routes that name a guard explicitly; `access_guard` already checks every route."""
    await access_guard(connection, handler)
