"""Process logging: human text by default, one JSON object per line with CHAINE_LOG_FORMAT=json (docs/operations.md).

A JSON line carries the event, its level and logger, and the identifiers of what it is about: the request id, the
partner id, the import job id, the contact (dispatch) id. It never carries personal data: only the code's own
message (which logs identifiers, never names, phones or addresses) and, for an exception, its type and stack
frames, never its message (a database error echoes the row it refused).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers of the servers we run under: their handlers give way to ours, so that every line has one format.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.worker", "celery.beat")
# Extra fields a log call may pass (`log.info(..., extra={"route": ...})`) that the JSON line keeps.
EXTRA_FIELDS = ("method", "route", "status", "duration_ms", "task", "state")


@dataclass(slots=True)
class LogContext:
    """What the current request or task is about; mutable, so a dependency run in a worker thread (which sees a
    copy of the context) can still add the partner once the key is checked."""

    request_id: str | None = None
    partner_id: int | None = None
    job_id: int | None = None
    contact_id: int | None = None


_context: ContextVar[LogContext | None] = ContextVar("chaine_log_context", default=None)


def current() -> LogContext | None:
    return _context.get()


@contextmanager
def bound(**fields: Any) -> Iterator[LogContext]:
    """Log lines inside the block carry these identifiers (on top of the enclosing ones)."""
    context = replace(_context.get() or LogContext(), **fields)
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, the context's identifiers, chosen extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        context = _context.get()
        if context is not None:
            line.update({key: value for key, value in asdict(context).items() if value is not None})
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["stack"] = "".join(traceback.format_tb(record.exc_info[2])).strip()
        return json.dumps(line, ensure_ascii=False, default=str)


class ContextTextFormatter(logging.Formatter):
    """Human text, with the context's identifiers at the end of the line when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context.get()
        if context is None:
            return text
        ids = " ".join(f"{key}={value}" for key, value in asdict(context).items() if value is not None)
        return f"{text} [{ids}]" if ids else text


def configure_logging(log_format: LogFormat, *, level: int = logging.INFO) -> None:
    """Root handler on standard error in the chosen format; the servers' loggers propagate to it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ContextTextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "chaine", False):
            root.removeHandler(old)
    handler.chaine = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers.clear()
        server.propagate = True
    # Our middleware writes one line per request with the route template; uvicorn's access line has the raw path.
    logging.getLogger("uvicorn.access").disabled = True
