"""No secret reaches a log line: uvicorn's handshake lines carry query strings, clients log headers."""

from __future__ import annotations

import logging
import sys

import pytest
import structlog

from shared.logging import configure_logging, get_logger, redact_text

SECRET = "s3cr3t-Token_value"


@pytest.mark.parametrize(
    "line",
    [
        f'127.0.0.1:5000 - "WebSocket /ws?topics=tasks&token={SECRET}" [accepted]',
        f'"GET /api/v1/messages?token={SECRET}&limit=5 HTTP/1.1" 401',
        f"Authorization: Bearer {SECRET}",
        f"POST https://api.telegram.org/bot123456:{SECRET}/getUpdates",
    ],
)
def test_secrets_inside_free_text_are_masked(line: str) -> None:
    assert SECRET not in redact_text(line)
    assert "***" in redact_text(line)


def test_ordinary_text_is_left_alone() -> None:
    line = "Реліз о 18:00, token bucket refilled; topics=tasks&since=42"
    assert redact_text(line) == line


def test_stdlib_and_structlog_lines_are_masked_once_configured(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    structlog_config = structlog.get_config()  # configure_logging points structlog at capsys's stream: put it back
    root.handlers = []  # as in a service process: configure_logging installs the only handler
    try:
        configure_logging("INFO", "console", service="test")
        uvicorn = logging.getLogger("uvicorn.error")
        uvicorn.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:1", f"/ws?token={SECRET}")
        # Litestar installs handlers of its own at start-up: records are masked when made, so those are safe too.
        root.handlers = [logging.StreamHandler(sys.stderr)]
        uvicorn.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:2", f"/ws?topics=a&token={SECRET}")
        get_logger("t").info("request", url=f"http://x/api?token={SECRET}", authorization=f"Bearer {SECRET}")
    finally:
        root.handlers, root.level = saved, level
        structlog.configure(**structlog_config)
    err = capsys.readouterr().err
    assert "WebSocket /ws?token=***" in err and "/ws?topics=a&token=***" in err and "request" in err
    assert SECRET not in err
