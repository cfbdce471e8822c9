"""The server's request lines written without a LogRecord (``ServerLogHandler.write_line``)
are the lines the formatters write for the record ``logging`` would have made, byte for byte;
and they are only written that way when nothing else is listening."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetfake.logs import (
    CONTEXT_FIELDS,
    LOG_FORMATS,
    LogFormat,
    ServerLogHandler,
    instant_text,
    line_writer,
    text_line,
)


def _by_datetime(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
def test_instant_text_is_what_datetime_makes_of_the_time(created: float) -> None:
    assert instant_text(created) == _by_datetime(created)


@pytest.mark.parametrize(
    "created",
    [1717243199.9995, 1717243199.9994999, 1717243199.999999, 1717243200.0, 0.0005, 1.0009999],
)
def test_instant_text_at_the_edges_of_a_millisecond_and_a_second(created: float) -> None:
    instant_text(created - 1)  # another second cached first
    assert instant_text(created) == _by_datetime(created)


_values = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "a b", 'q"', "k=v", "/assets/a/runs", "req_1", "\r\nFAKE", "\x1b[2J"]),
)
_messages = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda rid, path, query, shown: f"{rid} GET {path}{query} {shown}",
        st.sampled_from(["req_1", "req_abc0000000001"]),
        st.sampled_from(["/assets/a/runs", "/assets/a%2Fb/runs", "/x\r\ny", "/é"]),
        st.sampled_from(["", "?max_results=20", "?a=b c"]),
        st.sampled_from(["200", "aborted", "reset", "0", "404 fault=f1"]),
    ),
)


@pytest.mark.parametrize("log_format", LOG_FORMATS)
@given(
    message=_messages,
    fields=st.fixed_dictionaries({name: _values for name in CONTEXT_FIELDS}),
    created=st.floats(min_value=1e9, max_value=2e9),
)
def test_a_line_written_directly_is_the_line_the_formatter_writes_for_the_record(
    log_format: LogFormat, message: str, fields: dict[str, object], created: float
) -> None:
    direct, through_logging = io.StringIO(), io.StringIO()
    handler = ServerLogHandler(direct, log_format)
    context = {name: fields[name] for name in CONTEXT_FIELDS if fields[name] is not None}
    handler.write_line("assetfake", message, context, created)
    record = logging.LogRecord("assetfake", logging.INFO, __file__, 1, "%s", (message,), None)
    record.created = created
    record.__dict__.update(fields)
    reference = ServerLogHandler(through_logging, log_format)
    reference.emit(record)
    assert direct.getvalue() == through_logging.getvalue()
    assert direct.getvalue().count("\n") == 1  # one line, whatever the client sent


@pytest.fixture
def logger() -> logging.Logger:
    made = logging.Logger("assetfake-test")  # not registered: nothing else sees it
    made.propagate = False
    made.addHandler(ServerLogHandler(io.StringIO(), "text"))
    return made


def test_the_server_handler_alone_is_written_directly(logger: logging.Logger) -> None:
    assert line_writer(logger) is logger.handlers[0]


def test_another_handler_beside_it_gets_records(logger: logging.Logger) -> None:
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # as pytest's caplog adds one
    assert line_writer(logger) is None


def test_a_plain_stream_handler_gets_records(logger: logging.Logger) -> None:
    logger.handlers[:] = [logging.StreamHandler(io.StringIO())]
    assert line_writer(logger) is None


def test_filters_and_propagation_get_records(logger: logging.Logger) -> None:
    logger.addFilter(lambda record: True)
    assert line_writer(logger) is None
    logger.filters.clear()
    logger.handlers[0].addFilter(lambda record: True)
    assert line_writer(logger) is None
    logger.handlers[0].filters.clear()
    logger.propagate = True
    assert line_writer(logger) is None


def test_a_handler_above_info_gets_records(logger: logging.Logger) -> None:
    logger.handlers[0].setLevel(logging.WARNING)
    assert line_writer(logger) is None


def _reference_text_line(
    time_text: str, level: str, message: str, context: dict[str, object]
) -> str:
    """The text line as first written (before it was made faster), kept as the reference."""

    def printable(text: str) -> str:
        if text.isprintable():
            return text
        return "".join(c if c.isprintable() else _escape_reference(c) for c in text)

    def value_text(value: object) -> str:
        text = str(value)
        if not text or not text.isprintable() or any(c in ' "=' for c in text):
            return json.dumps(text)
        return text

    message = printable(message)
    shown = message.split(" ")
    parts = [time_text, level, message]
    for name, value in context.items():
        pair = f"{name}={value_text(value)}"
        text = printable(str(value))
        in_message = pair in shown or (
            bool(text) and (text in shown or any(w.startswith(text + "?") for w in shown))
        )
        if not in_message:
            parts.append(pair)
    return " ".join(parts)


def _escape_reference(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@given(
    message=_messages,
    fields=st.fixed_dictionaries({name: _values for name in CONTEXT_FIELDS}),
)
def test_the_text_line_is_the_reference_one(message: str, fields: dict[str, object]) -> None:
    context = {name: fields[name] for name in CONTEXT_FIELDS if fields[name] is not None}
    expected = _reference_text_line("T", "INFO", message, context)
    assert text_line("T", "INFO", message, context) == expected


@pytest.mark.parametrize(
    ("message", "context"),
    [
        ("req_1 GET /a?x=1 200", {"path": "/a", "status": 200, "namespace": "default"}),
        ("req_1 GET /a/b 200", {"path": "/a", "status": 404}),
        ("x fault=f1", {"fault": "f1", "method": "x"}),
        ("", {"path": "", "status": "a b"}),
        ("GET /\\r\\n 200", {"path": "/\r\n", "namespace": "\x1b"}),
    ],
)
def test_the_text_line_on_chosen_cases(message: str, context: dict[str, object]) -> None:
    assert text_line("T", "INFO", message, context) == _reference_text_line(
        "T", "INFO", message, context
    )
