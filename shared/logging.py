"""structlog configuration: JSON in production, console in dev; level from LOG_LEVEL."""

from __future__ import annotations

import logging
import sys

import structlog

_SECRET_KEYS = frozenset({"api_key", "token", "password", "secret", "session_string", "authorization"})


def _redact_secrets(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    """Secrets never reach logs: any field named like a secret is masked."""
    for key in event:
        if key.lower() in _SECRET_KEYS:
            event[key] = "***"
    return event


def configure_logging(level: str = "INFO", fmt: str = "console", service: str = "tracker") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(
        level=level, stream=sys.stderr, format=f"%(asctime)s {service} %(levelname)s %(name)s %(message)s"
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
