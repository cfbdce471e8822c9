"""The log formats of ``assetfake serve --log-format text|json``, tested on the formatters."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from assetfake.logs import (
    CONTEXT_FIELDS,
    JsonFormatter,
    TextFormatter,
    configure_logging,
    formatter_for,
)

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# 2024-06-01T12:34:56.789Z, as a POSIX timestamp
CREATED = datetime(2024, 6, 1, 12, 34, 56, 789000, tzinfo=timezone.utc).timestamp()


def _record(
    message: str = "GET %s %d",
    args: tuple[object, ...] = ("/assets/a/runs", 200),
    level: int = logging.INFO,
    **extra: object,
) -> logging.LogRecord:
    record = logging.LogRecord("assetfake", level, __file__, 1, message, args, None)
    record.created = CREATED
    record.__dict__.update(extra)
    return record


REQUEST = {
    "request_id": "req_abc_000001",
    "namespace": "test-42",
    "method": "GET",
    "path": "/assets/a/runs",
    "status": 200,
    "fault": "second-page-429",
    "duration_ms": 1.25,
}


def test_json_is_one_object_with_time_level_message_and_the_request_context() -> None:
    line = JsonFormatter().format(_record(**REQUEST, user="not a context field"))
    assert "\n" not in line
    rendered = json.loads(line)
    assert rendered == {
        "time": "2024-06-01T12:34:56.789Z",
        "level": "info",
        "logger": "assetfake",
        "message": "GET /assets/a/runs 200",
        **REQUEST,
    }
    assert list(rendered)[4:] == list(CONTEXT_FIELDS), "context in a stable order"


def test_json_leaves_out_context_that_was_not_given() -> None:
    rendered = json.loads(JsonFormatter().format(_record(request_id="req_1", fault=None)))
    assert rendered["request_id"] == "req_1"
    assert not set(rendered) & {"namespace", "method", "path", "status", "fault", "duration_ms"}


def test_json_keeps_a_traceback_under_exception() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = _record("internal error", (), logging.ERROR)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line, "still one line: the traceback is a JSON string"
    rendered = json.loads(line)
    assert rendered["level"] == "error"
    assert "RuntimeError: boom" in rendered["exception"]


def test_json_renders_a_client_sent_control_character_as_an_escape() -> None:
    line = JsonFormatter().format(_record("GET %s", ("/a\r\nforged",), path="/a\r\nforged"))
    assert "\n" not in line and "\r" not in line
    assert json.loads(line)["path"] == "/a\r\nforged"


def test_text_is_time_level_message_then_the_context_as_key_value() -> None:
    line = TextFormatter().format(_record("request", (), **REQUEST))
    assert line == (
        "2024-06-01T12:34:56.789Z INFO request request_id=req_abc_000001 namespace=test-42 "
        "method=GET path=/assets/a/runs status=200 fault=second-page-429 duration_ms=1.25"
    )


def test_text_does_not_repeat_the_context_its_message_shows() -> None:
    line = TextFormatter().format(_record(**REQUEST))
    assert line == (
        "2024-06-01T12:34:56.789Z INFO GET /assets/a/runs 200 request_id=req_abc_000001 "
        "namespace=test-42 fault=second-page-429 duration_ms=1.25"
    )
    message = "req_abc_000001 GET /assets/a/runs?status=FAILED 429 fault=second-page-429"
    line = TextFormatter().format(_record(message, (), **{**REQUEST, "status": 429}))
    assert line.endswith(f"INFO {message} namespace=test-42 duration_ms=1.25")


def test_text_keeps_context_that_only_resembles_part_of_the_message() -> None:
    line = TextFormatter().format(_record("GET /assets/200/runs 404", (), status=200, path="/a"))
    assert line.endswith(" 404 path=/a status=200")


def test_text_without_context_is_time_level_message() -> None:
    line = TextFormatter().format(_record("serving %s", ("default",), logging.WARNING))
    stamp, level, message = line.split(" ", 2)
    assert TIME.match(stamp)
    assert (level, message) == ("WARNING", "serving default")


def test_text_quotes_values_with_spaces_and_escapes_control_characters() -> None:
    line = TextFormatter().format(
        _record("GET %s", ("/a\r\n2024 INFO forged",), fault="two words", path="/a\nb", method="")
    )
    assert "\n" not in line and "\r" not in line, "a client cannot forge a log line"
    assert "GET /a\\x0d\\x0a2024 INFO forged" in line
    assert 'fault="two words"' in line
    assert 'path="/a\\nb"' in line
    assert 'method=""' in line


def test_the_time_is_utc_with_milliseconds_whatever_the_local_zone() -> None:
    for formatter in (TextFormatter(), JsonFormatter()):
        assert "2024-06-01T12:34:56.789Z" in formatter.format(_record())


def test_formatter_for_names_the_two_formats() -> None:
    assert isinstance(formatter_for("json"), JsonFormatter)
    assert isinstance(formatter_for("text"), TextFormatter)


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    """The loggers ``configure_logging`` touches, put back as they were."""
    loggers = [logging.getLogger(name) for name in ("assetfake", "uvicorn", "uvicorn.access")]
    saved = [(list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    formats = {h: h.formatter for lg in loggers for h in lg.handlers}
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
    for handler, formatter in formats.items():
        handler.setFormatter(formatter)


@pytest.mark.usefixtures("restored_loggers")
def test_configure_logging_writes_the_assetfake_logger_at_its_level_in_its_format() -> None:
    stream = io.StringIO()
    uvicorn_handler = logging.StreamHandler(io.StringIO())
    logging.getLogger("uvicorn").addHandler(uvicorn_handler)
    configure_logging("warning", "json", stream)
    configure_logging("warning", "json", stream)  # twice: still one handler
    log = logging.getLogger("assetfake")
    log.info("hidden below the level")
    log.warning("shown", extra={"request_id": "req_9"})
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["shown"]
    assert json.loads(lines[0])["request_id"] == "req_9"
    assert isinstance(uvicorn_handler.formatter, JsonFormatter), "uvicorn's lines match"
