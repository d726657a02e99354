"""structlog configuration: one format for every line a service writes (JSON in production, plain console
text in development, never colour codes), whether it comes from structlog or from a library's stdlib logger
(uvicorn, FastStream, nats-py); level from LOG_LEVEL."""

from __future__ import annotations

import logging
import re
import sys

import structlog

_SECRET_KEYS = frozenset({"api_key", "token", "password", "secret", "session_string", "authorization"})
# Loggers that install their own (coloured) stdout handlers; they are routed through ours instead.
_LIBRARY_LOGGERS = ("faststream", "faststream.access.nats", "uvicorn", "uvicorn.error", "uvicorn.access")
# A secret inside free text: a URL's query (uvicorn logs every WebSocket handshake with its query string),
# an Authorization header, a Telegram bot URL.
_SECRET_IN_TEXT = re.compile(r"(?i)((?:[?&](?:token|ticket|api_key|secret)=)|(?:bearer\s+)|(?:/bot\d+:))[^&\s\"']+")


def redact_text(text: str) -> str:
    return _SECRET_IN_TEXT.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in stdlib log records (uvicorn, nats, httpx) before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is the logging module's to report, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_plain_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every stdlib record is masked when it is made, whichever handlers a framework installs later
    (Litestar and uvicorn both configure logging of their own)."""
    record = _plain_factory(*args, **kwargs)  # type: ignore[arg-type]
    RedactingFilter().filter(record)
    return record


def _redact_secrets(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    """Secrets never reach logs: any field named like a secret is masked."""
    for key, value in event.items():
        if key.lower() in _SECRET_KEYS:
            event[key] = "***"
        elif isinstance(value, str):
            event[key] = redact_text(value)
    return event


def _drop_colour_copies(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    """uvicorn attaches a coloured copy of each message (`color_message`); the plain one is enough."""
    event.pop("color_message", None)
    return event


def configure_logging(level: str = "INFO", fmt: str = "console", service: str = "tracker") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                *shared,
                structlog.stdlib.ExtraAdder(),
                _drop_colour_copies,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    handler.addFilter(RedactingFilter())
    logging.setLogRecordFactory(_redacting_factory)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True


def library_logger(name: str) -> logging.Logger:
    """A stdlib logger for a library that would otherwise bring its own handler (FastStream's brokers)."""
    return logging.getLogger(name)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
