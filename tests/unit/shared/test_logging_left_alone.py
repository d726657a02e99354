"""No Litestar app we build takes over logging. A default Litestar app runs `dictConfig` on the root logger with
a handler bound to the stderr of that moment: inside a test that is pytest's captured stream, closed after the
test, and every later record (uvicorn's "Application shutdown complete", …) printed "--- Logging error ---
ValueError: I/O operation on closed file" into the output of unrelated tests."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from shared.testing.openai_server import OpenAICompatible

ROOT = Path(__file__).resolve().parents[3]


def test_building_a_test_server_app_leaves_the_root_handlers_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    OpenAICompatible(reply=lambda body: "{}").app()
    assert root.handlers == before


def test_every_litestar_app_in_the_repository_passes_logging_config_none() -> None:
    offenders = []
    for folder in ("shared", "services", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name != "Litestar":
                    continue
                given = {k.arg: k.value for k in node.keywords}.get("logging_config")
                if not (isinstance(given, ast.Constant) and given.value is None):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], f"Litestar(...) without logging_config=None: {offenders}"
