"""The dashboard generates its API types from deploy/dashboard/openapi.json: it must equal the gateway's document."""

from __future__ import annotations

import json
from pathlib import Path

from shared.cli.openapi import openapi_document, openapi_text

COMMITTED = Path(__file__).resolve().parents[3] / "deploy" / "dashboard" / "openapi.json"
REGENERATE = "uv run tracker openapi > deploy/dashboard/openapi.json"


def test_the_committed_openapi_document_is_the_one_the_gateway_declares() -> None:
    assert COMMITTED.read_text() == openapi_text(), f"the gateway's API changed: run `{REGENERATE}`"


def test_the_routes_the_dashboard_reads_have_typed_responses() -> None:
    """An untyped `dict` response would give the dashboard an `unknown` type where it needs fields."""
    paths = openapi_document()["paths"]
    for path in ("/api/v1/messages", "/api/v1/messages/{key}", "/api/v1/ingestion/jobs", "/api/v1/chats"):
        schema = json.dumps(paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
        assert "#/components/schemas/" in schema, (path, schema)
