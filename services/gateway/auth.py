"""Bearer-token auth for mutating endpoints and the WebSocket; tokens come from configuration."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from shared.settings import Settings


def token_valid(presented: str | None, settings: Settings) -> bool:
    if not presented:
        return False
    return any(hmac.compare_digest(presented, token) for token in settings.api_tokens)


def bearer_from(connection: ASGIConnection) -> str | None:  # type: ignore[type-arg]
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    # Browsers cannot set headers on a WebSocket handshake, so the token may come as a query parameter.
    return connection.query_params.get("token")


def requires_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    settings: Settings = connection.app.state.settings
    if not token_valid(bearer_from(connection), settings):
        raise NotAuthorizedException("a valid bearer token is required (Authorization: Bearer <token>)")
