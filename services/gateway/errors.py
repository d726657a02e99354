"""Error responses: a field and a reason for bad input, never a stack trace."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from shared.logging import get_logger

log = get_logger(__name__)


def bad_field(field: str, reason: str) -> ClientException:
    """400 naming the field, in the shape of Litestar's own validation errors."""
    return ClientException(detail=f"{field}: {reason}", extra=[{"key": field, "message": reason}])


def conflict(detail: str, **facts: Any) -> HTTPException:
    """409; `facts` (e.g. how many proposals are still pending) go into the body as `errors`."""
    return HTTPException(status_code=409, detail=detail, extra=facts or None)


def not_found(what: str, key: object) -> NotFoundException:
    return NotFoundException(f"no {what} {key}")


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    return Response(
        {"status_code": 400, "detail": "invalid input", "errors": exc.extra or []},
        status_code=HTTP_400_BAD_REQUEST,
    )


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["errors"] = exc.extra
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _unstorable(request: Request[Any, Any, Any], exc: asyncpg.DataError) -> Response[dict[str, Any]]:
    """A value the database refused (the edge checks should have caught it: logged so the gap gets closed)."""
    log.warning("database_refused_input", path=request.url.path, error=str(exc)[:300])
    detail = f"invalid input: {str(exc).splitlines()[0][:200]}"
    return Response({"status_code": 400, "detail": detail}, status_code=HTTP_400_BAD_REQUEST)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled_error", path=request.url.path)
    return Response({"status_code": 500, "detail": "internal error"}, status_code=HTTP_500_INTERNAL_SERVER_ERROR)


def exception_handlers() -> dict[Any, Any]:
    return {
        ValidationException: _validation,
        HTTPException: _http,
        asyncpg.DataError: _unstorable,
        Exception: _unexpected,
    }
