"""structlog JSON logs with a correlation id carried in context variables."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

REDACTED_KEYS = frozenset(
    {"token", "bot_token", "secret", "password", "text", "answer", "authorization"}
)


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key.lower() in REDACTED_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to whatever ``sys.stderr`` is when a record comes."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(level: str = "INFO", json_logs: bool = True, cache: bool = True) -> None:
    """Configure structlog, and stdlib logging through the same processors, once for the process.

    Lines from libraries that log through the standard library (uvicorn, APScheduler, aiogram,
    pykka) come out in the same format as YABOT's own: one JSON object per line with the level,
    the logger's name, the time, the bound correlation id and a formatted traceback.

    Args:
        level: Minimum level name.
        json_logs: JSON lines when true, human-readable console output otherwise.
        cache: Cache loggers on first use (fast); tests that reconfigure logging pass False.
    """
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=cache,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(getattr(logging, level))


def update_correlation_id(update_id: int) -> str:
    """The correlation id of a Telegram update, from its arrival to its replies."""
    return f"u{update_id}"


def update_fields(update_id: int | None) -> dict[str, Any]:
    """``update_id`` and its ``correlation_id``, for a log line about an update."""
    if update_id is None:
        return {"update_id": None}
    return {"update_id": update_id, "correlation_id": update_correlation_id(update_id)}


def new_correlation_id() -> str:
    """Return a fresh correlation id."""
    return uuid.uuid4().hex[:16]


@contextmanager
def correlation(correlation_id: str, **extra: Any) -> Iterator[str]:
    """Bind ``correlation_id`` (and extra keys) to every log line in this context."""
    tokens = structlog.contextvars.bind_contextvars(correlation_id=correlation_id, **extra)
    try:
        yield correlation_id
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def get_logger(name: str) -> Any:
    """Return a structlog logger named ``name``."""
    return structlog.get_logger(name)
