"""Bad input stops at the edge with a 400 that names the field, before any event is published.

PostgreSQL cannot store a NUL character or an unpaired surrogate in text or jsonb, and BIGINT ends at 2^63-1; a
value like that which got onto the bus would be dead-lettered by the projection and silently missing from the
read model. So one `before_request` hook (after the access guard, before the handler) checks every route:

- path and query values: no unstorable characters; integers within 64 bits; datetimes with a timezone;
- the body: UTF-8, JSON nested at most MAX_DEPTH levels, no unstorable string, no integer beyond 64 bits, no
  datetime without a timezone, and it decodes *strictly* into the route's `data` type (Litestar itself coerces
  `"true"` and `1` into booleans; a client that sends them has a bug worth hearing about).

The Telegram webhook opts out (`opt={"raw_body": True}`): Telegram retries every non-2xx answer forever, so it
answers 2xx to what it will never accept and records why (see api/webhooks.py).
"""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException

from shared.storable import INT64_MAX, INT64_MIN, unstorable_reason

MAX_DEPTH = 64
MAX_BODY_BYTES = 1024 * 1024  # every route but the webhook: nothing the API takes is near this (413 beyond)
RAW_BODY = {"raw_body": True}  # route opt: the handler validates its own body
_NAIVE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_INTEGER = re.compile(r"[+-]?\d+")


def bad(field: str, reason: str) -> ClientException:
    return ClientException(detail=f"{field}: {reason}", extra=[{"field": field, "reason": reason}])


def _types_of(annotation: Any) -> set[Any]:
    """The plain types an annotation admits (`int | None` → {int, NoneType})."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _types_of(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_types_of(a) for a in typing.get_args(annotation)))
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        return set().union(*(_types_of(a) for a in typing.get_args(annotation)))
    return {annotation}


def check_text(field: str, value: str) -> None:
    reason = unstorable_reason(value)
    if reason:
        raise bad(field, reason)


def check_parameter(field: str, value: str, annotation: Any) -> None:
    """One path or query value, as text and against the type the route declares for it."""
    check_text(field, value)
    admitted = _types_of(annotation)
    if int in admitted and float not in admitted and str not in admitted:
        if not _INTEGER.fullmatch(value.strip()):
            raise bad(field, f"must be an integer, not {value[:40]!r}")
        if not INT64_MIN <= int(value) <= INT64_MAX:
            raise bad(field, "out of range (a 64-bit integer)")
    if datetime in admitted:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad(field, "must be an ISO 8601 datetime with a timezone, e.g. 2025-01-31T09:00:00Z") from None
        if parsed.tzinfo is None:
            raise bad(field, "needs a timezone offset, e.g. 2025-01-31T09:00:00Z or +02:00")


def check_json(document: Any) -> None:
    """Every string and number of a decoded JSON document, and its depth; iterative, so no recursion limit."""
    stack: list[tuple[str, Any, int]] = [("$", document, 0)]
    while stack:
        path, node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise bad("body", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            check_text(path, node)
            if _NAIVE_DATETIME.fullmatch(node):
                raise bad(path, "a datetime needs a timezone offset, e.g. 2025-01-31T09:00:00Z")
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if not INT64_MIN <= node <= INT64_MAX:
                raise bad(path, "out of range (a 64-bit integer)")
        elif isinstance(node, dict):
            for key, value in node.items():
                check_text(f"{path} (a key)", key)
                stack.append((f"{path}.{key}", value, depth + 1))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", value, depth + 1) for i, value in enumerate(node))


async def check_body(request: Request[Any, Any, Any], data_type: Any) -> None:
    body = await request.body()
    if not body:
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad("body", f"not valid UTF-8 (byte {exc.start})") from None
    try:
        document = msgspec.json.decode(body)
    except RecursionError:
        raise bad("body", f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except msgspec.DecodeError as exc:
        raise bad("body", f"malformed JSON: {exc}") from None
    check_json(document)
    if data_type is not None:
        try:
            msgspec.json.decode(body, type=data_type, strict=True)
        except msgspec.ValidationError as exc:
            message = str(exc)
            field = message.rsplit(" - at `", 1)[1].rstrip("`") if " - at `" in message else "body"
            raise bad(field, message) from None


async def check_request(request: Request[Any, Any, Any]) -> None:
    """The app's before_request hook (see the module docstring); returns nothing, raises a 400."""
    handler = request.route_handler
    parameters = handler.parsed_fn_signature.parameters
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(name, value)
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise bad(name, "out of range (a 64-bit integer)")
    for name, value in request.query_params.multi_items():
        field = parameters.get(name)
        check_parameter(name, value, field.annotation if field is not None else str)
    if handler.opt.get("raw_body") or (
        request.method in ("GET", "HEAD", "OPTIONS", "DELETE")
        and not (request.headers.get("content-length") or request.headers.get("transfer-encoding"))
    ):
        return
    data = parameters.get("data")
    await check_body(request, data.annotation if data is not None else None)
