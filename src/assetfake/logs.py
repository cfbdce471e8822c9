"""How the server's log lines look: ``text`` for people, ``json`` for machines.

Both formats render the same record: its time (UTC, RFC 3339 with milliseconds), its level, its
message, and the request context a caller passed as ``extra`` (``request_id``, ``namespace``,
``method``, ``path``, ``status``, ``fault``, ``duration_ms``), in that order, when present::

    log.info("GET /assets/a/runs 200", extra={"request_id": "req_1", "status": 200})

``text`` writes ``2024-06-01T12:00:00.123Z INFO GET /assets/a/runs 200 request_id=req_1``: the
message, then as ``key=value`` (as logfmt and structlog's console renderer do) the context the
message does not already show (a field whose value, or ``key=value``, is a word of the message,
or a path followed there by its query); ``json`` writes one JSON object per line, every field.
A record's traceback, if any, is kept: on the following lines in ``text``, under ``exception``
in ``json``. Control characters in a message or a value (a client-sent CR, LF or escape
sequence) are written as escapes, so that a request cannot forge or garble a line.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Literal, TextIO

#: The names of the log formats ``--log-format`` accepts.
LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")

#: The request context a record may carry (``extra=``), in the order it is rendered.
CONTEXT_FIELDS = ("request_id", "namespace", "method", "path", "status", "fault", "duration_ms")

#: The loggers ``configure_logging`` formats: the fake's own and uvicorn's.
SERVER_LOGGERS = ("assetfake", "uvicorn", "uvicorn.access")


def record_time(record: logging.LogRecord) -> str:
    """When ``record`` was made, as ``2024-06-01T12:00:00.123Z``."""
    return instant_text(record.created)


def instant_text(created: float) -> str:
    """A POSIX time as ``2024-06-01T12:00:00.123Z``: what ``datetime.fromtimestamp`` makes of
    it (microseconds rounded half to even, then truncated to milliseconds), the date and time
    of each second formatted once."""
    whole = math.floor(created)
    micros = round((created - whole) * 1e6)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return f"{_second_text(whole)}{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=1)  # a server writes many lines a second
def _second_text(whole: int) -> str:
    return datetime.fromtimestamp(whole, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")


def record_context(record: logging.LogRecord) -> dict[str, object]:
    """The request context fields ``record`` carries (those given and not ``None``)."""
    context: dict[str, object] = {}
    for name in CONTEXT_FIELDS:
        value = record.__dict__.get(name)
        if value is not None:
            context[name] = value
    return context


class TextFormatter(logging.Formatter):
    """``TIME LEVEL message key=value …``, one line per record (plus any traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line = text_line(
            record_time(record), record.levelname, record.getMessage(), record_context(record)
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def text_line(time_text: str, level: str, message: str, context: Mapping[str, object]) -> str:
    """One ``text`` line (no traceback): what :class:`TextFormatter` writes for a record."""
    message = _printable(message)
    words = message.split(" ")
    known = set(words)
    parts = [time_text, level, message]
    for name, value in context.items():
        text = str(value)
        pair = f"{name}={_quoted(text)}"
        if pair in known:
            continue
        shown = _printable(text)
        if shown and (shown in known or _starts_a_word(shown + "?", message, words)):
            continue
        parts.append(pair)
    return " ".join(parts)


def _starts_a_word(prefix: str, message: str, words: list[str]) -> bool:
    """Whether a word of the message starts with ``prefix`` (a path followed by its query)."""
    return prefix in message and any(word.startswith(prefix) for word in words)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time``, ``level``, ``logger``, ``message``, the request
    context, and ``exception`` (the formatted traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        rendered = json_fields(
            record_time(record),
            record.levelname,
            record.name,
            record.getMessage(),
            record_context(record),
        )
        if record.exc_info:
            rendered["exception"] = self.formatException(record.exc_info)
        return json.dumps(rendered, ensure_ascii=False, default=str)


def json_fields(
    time_text: str, level: str, logger: str, message: str, context: Mapping[str, object]
) -> dict[str, object]:
    """The fields of one ``json`` line, in their order (no traceback)."""
    return {
        "time": time_text,
        "level": level.lower(),
        "logger": logger,
        "message": message,
        **context,
    }


def formatter_for(log_format: LogFormat) -> logging.Formatter:
    """The formatter of one of :data:`LOG_FORMATS`."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


class ServerLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` gives the ``assetfake`` logger. It also writes the
    server's one line per request without making a :class:`logging.LogRecord` (a record, its
    caller lookup and the handler chain cost more than the request: see bench/RESULTS.md):
    the same line, byte for byte, that the formatter writes for the record."""

    def __init__(self, stream: TextIO, log_format: LogFormat) -> None:
        super().__init__(stream)
        self.log_format = log_format
        self.setFormatter(formatter_for(log_format))

    def write_line(
        self,
        logger: str,
        message: str,
        context: Mapping[str, object],
        created: float | None = None,
    ) -> None:
        """An INFO line of ``logger`` with ``context`` (fields not ``None``, in the order of
        :data:`CONTEXT_FIELDS`), made at ``created`` (a POSIX time; now when not given)."""
        when = instant_text(time.time() if created is None else created)
        if self.log_format == "json":
            fields = json_fields(when, "INFO", logger, message, context)
            line = json.dumps(fields, ensure_ascii=False, default=str)
        else:
            line = text_line(when, "INFO", message, context)
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            try:
                self.stream.write(line + self.terminator)
                self.stream.flush()
            except Exception:  # a closed or broken stream: as logging does, report and go on
                self.handleError(logging.makeLogRecord({"msg": message}))


def line_writer(logger: logging.Logger) -> ServerLogHandler | None:
    """The :class:`ServerLogHandler` that alone receives ``logger``'s INFO records (as
    :func:`configure_logging` sets up), or None when the records must go through ``logging``
    (other handlers or filters, propagation, a level above INFO: pytest's caplog, a user's own
    configuration)."""
    handlers = logger.handlers
    if len(handlers) != 1 or logger.filters or logger.propagate:
        return None
    handler = handlers[0]
    if type(handler) is not ServerLogHandler or handler.filters:
        return None
    return handler if handler.level <= logging.INFO else None


def configure_logging(level: str, log_format: LogFormat, stream: TextIO) -> None:
    """Send the ``assetfake`` logger's records at ``level`` and above to ``stream`` in
    ``log_format``, and give uvicorn's handlers (set up by its ``Config``) the same format."""
    handler = ServerLogHandler(stream, log_format)
    formatter = handler.formatter
    logger = logging.getLogger("assetfake")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    for name in SERVER_LOGGERS[1:]:
        for existing in logging.getLogger(name).handlers:
            existing.setFormatter(formatter)


def _printable(text: str) -> str:
    """``text`` on one line: control characters (a client-sent CR or LF, an escape sequence)
    written as escapes, so that what a client sends cannot forge or garble a log line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _quoted(text: str) -> str:
    """A context value for ``key=value``: quoted (JSON string) when empty or when it holds a
    space, a quote, an ``=`` or a control character."""
    if not text or not text.isprintable() or " " in text or '"' in text or "=" in text:
        return json.dumps(text)
    return text
