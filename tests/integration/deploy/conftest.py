"""Shared pieces of the deployment tests: repo paths, tool look-ups, the ops CLI, a real gateway."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The `harness` fixture (migrated database, real JetStream, in-process gateway) is registered by the root conftest.
from shared.testing.gateway import TOKEN, GatewayHarness

__all__ = ["REPO", "TOKEN", "GatewayHarness", "require_binary", "require_module", "run_cli"]

REPO = Path(__file__).resolve().parents[3]


def require_binary(name: str, install_hint: str) -> str:
    """The tool's path, or skip the test saying how to install it."""
    found = shutil.which(name) or (
        str(Path(sys.executable).parent / name) if (Path(sys.executable).parent / name).exists() else None
    )
    if not found:
        pytest.skip(f"{name} not installed: {install_hint}")
    return found


def require_module(name: str, install_hint: str) -> None:
    import importlib.util

    if importlib.util.find_spec(name) is None:
        pytest.skip(f"Python package for `{name}` not installed: {install_hint}")


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The `tracker` CLI with the operator commands (`python -m shared.cli.ops` = tracker + ops commands)."""
    return subprocess.run(
        [sys.executable, "-m", "shared.cli.ops", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
