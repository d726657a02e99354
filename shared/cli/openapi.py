"""`tracker openapi`: the gateway's OpenAPI document, printed without starting any server.

The dashboard generates its API types from this document (deploy/dashboard/openapi.json); a test keeps the
committed copy equal to what the gateway declares.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def openapi_document() -> dict[str, Any]:
    """The document of an app built from default settings (the environment must not change the API's shape)."""
    from services.gateway.app import create_app
    from shared.settings import Settings

    return create_app(Settings()).openapi_schema.to_schema()  # type: ignore[no-any-return]


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def add_openapi_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("openapi", help="print the gateway's OpenAPI document (JSON)").set_defaults(func=_openapi)


def _openapi(args: argparse.Namespace) -> int:
    sys.stdout.write(openapi_text())
    return 0
