"""Knowledge routes: named for OpenAPI, mutating ones guarded; extract requests validated field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.exceptions import ClientException

from services.gateway.api.knowledge_runs import ExtractRequest, validate_extract
from services.gateway.app import create_app
from services.gateway.auth import requires_token
from shared.settings import Settings

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_every_knowledge_route_has_an_operation_id_and_every_write_a_token_guard() -> None:
    app = create_app(Settings(), run_projections=False)
    seen = 0
    for route in app.routes:
        if not route.path.startswith("/api/v1/knowledge"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) == {"OPTIONS"}:
                continue  # Litestar's automatic OPTIONS answer
            seen += 1
            assert handler.operation_id, route.path
            writes = set(handler.http_methods) - {"GET", "HEAD", "OPTIONS"}
            if writes and handler.opt.get("scope") != "read":
                assert requires_token in (handler.guards or []), (route.path, writes)
    assert seen >= 30


def field_of(request: ExtractRequest) -> str:
    with pytest.raises(ClientException) as caught:
        validate_extract(request, NOW)
    return caught.value.extra[0]["field"]  # type: ignore[index]


def test_extract_requests_name_the_field_at_fault() -> None:
    assert field_of(ExtractRequest()) == "message_keys"
    assert field_of(ExtractRequest(message_keys=[])) == "message_keys"
    assert field_of(ExtractRequest(message_keys=[str(i) for i in range(101)])) == "message_keys"
    assert field_of(ExtractRequest(message_keys=["a"], chat_id="-1")) == "message_keys"
    assert field_of(ExtractRequest(message_keys=["a"], period_start=NOW)) == "period_start"
    assert field_of(ExtractRequest(chat_id="-1")) == "period_start"
    assert field_of(ExtractRequest(chat_id="-1", period_start=NOW, period_end=NOW)) == "period_end"


def test_extract_keys_are_deduplicated_in_order_and_a_period_ends_now_by_default() -> None:
    assert validate_extract(ExtractRequest(message_keys=["b", "a", "b"]), NOW) == (["b", "a"], None, None)
    start = NOW - timedelta(days=1)
    assert validate_extract(ExtractRequest(chat_id="-1", period_start=start), NOW) == ([], start, NOW)
