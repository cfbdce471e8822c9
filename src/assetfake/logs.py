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

import json
import logging
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
    moment = datetime.fromtimestamp(record.created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


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
        message = _printable(record.getMessage())
        shown = message.split(" ")
        parts = [record_time(record), record.levelname, message]
        for name, value in record_context(record).items():
            pair = f"{name}={_text_value(value)}"
            if not _in_message(shown, _printable(str(value)), pair):
                parts.append(pair)
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time``, ``level``, ``logger``, ``message``, the request
    context, and ``exception`` (the formatted traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        rendered: dict[str, object] = {
            "time": record_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **record_context(record),
        }
        if record.exc_info:
            rendered["exception"] = self.formatException(record.exc_info)
        return json.dumps(rendered, ensure_ascii=False, default=str)


def formatter_for(log_format: LogFormat) -> logging.Formatter:
    """The formatter of one of :data:`LOG_FORMATS`."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: LogFormat, stream: TextIO) -> None:
    """Send the ``assetfake`` logger's records at ``level`` and above to ``stream`` in
    ``log_format``, and give uvicorn's handlers (set up by its ``Config``) the same format."""
    formatter = formatter_for(log_format)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("assetfake")
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    for name in SERVER_LOGGERS[1:]:
        for existing in logging.getLogger(name).handlers:
            existing.setFormatter(formatter)


def _in_message(words: list[str], value: str, pair: str) -> bool:
    if pair in words:
        return True
    return bool(value) and (value in words or any(w.startswith(value + "?") for w in words))


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


def _text_value(value: object) -> str:
    """A context value for ``key=value``: quoted (JSON string) when empty or when it holds a
    space, a quote, an ``=`` or a control character."""
    text = str(value)
    if not text or not text.isprintable() or any(char in ' "=' for char in text):
        return json.dumps(text)
    return text
