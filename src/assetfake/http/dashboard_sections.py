"""The sections of the dashboard's pages, as HTML strings (see :mod:`assetfake.http.dashboard`).

Every value is passed through :func:`html.escape` where it is written: what a client sent (a
path, a query, a header, a body, a tag) is shown as text, never read as markup.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

import msgspec

from assetfake.domain.config import AssetConfig
from assetfake.domain.indexes import Kind
from assetfake.domain.partitions import Partitions
from assetfake.domain.resources import Backfill, Materialization, Run
from assetfake.domain.timestamps import format_ms, from_datetime
from assetfake.http.journal import BODY_KEPT, Details, JournalEntry

__all__ = ["AssetRow", "Kind", "View", "landing", "render", "table"]

#: How much of a request body a journal entry shows on the page (the control API has it all).
BODY_SHOWN = 16 * 1024
#: How much of the verdict's report the page shows.
REPORT_SHOWN = 8 * 1024


@dataclass(frozen=True, slots=True)
class AssetRow:
    key: str
    partitions: Partitions | None
    runs: dict[str, int]  # status -> count, statuses with none left out
    backfills: dict[str, int]
    materializations: int


@dataclass(frozen=True, slots=True)
class View:
    """What one namespace's page shows, read under its lock."""

    namespace: str
    clock: Mapping[str, object]
    counts: Mapping[str, int]
    assets: list[AssetRow]
    runs: list[Run | Backfill | Materialization]
    backfills: list[Run | Backfill | Materialization]
    journal: list[JournalEntry]  # newest first
    journal_total: int
    journal_dropped: int
    faults: list[dict[str, object]]
    verdict: dict[str, object] | None  # None: this server has no verifier


def render(view: View) -> str:
    return "\n".join(
        [
            _clock(view),
            _verdict(view.verdict),
            _assets(view),
            _journal(view),
            _faults(view.faults),
            _runs(view),
            _backfills(view),
        ]
    )


def e(value: object) -> str:
    """``value`` as text safe anywhere in HTML (element content or a quoted attribute)."""
    return escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "none") -> str:
    """A table; the cells are HTML already (escaped by the caller), the headers are text."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{e(empty)}</p>'
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(anchor: str, title: str, note: str, content: str) -> str:
    small = f" <small>{e(note)}</small>" if note else ""
    return f'<section id="{e(anchor)}"><h2>{e(title)}{small}</h2>{content}</section>'


def _status(status: str) -> str:
    return f'<span class="status s-{e(status)}">{e(status)}</span>'


def _counts(by_status: Mapping[str, int]) -> str:
    if not by_status:
        return '<span class="muted">none</span>'
    return " · ".join(f"{_status(s)} {e(n)}" for s, n in by_status.items())


def _mono(value: object) -> str:
    return "" if value is None else f'<span class="mono">{e(value)}</span>'


# ---------------------------------------------------------------------------- namespace


def _clock(view: View) -> str:
    clock, counts = view.clock, view.counts
    text = (
        f'<p class="clock"><strong class="mono" data-now>{e(clock["now"])}</strong> '
        f'<span class="muted">{e(clock["mode"])} clock, speed {e(clock["speed"])} · '
        f"{e(counts.get('pending_transitions', 0))} transition(s) pending</span></p>"
    )
    return _section("clock", "Clock", f"namespace {view.namespace}", text)


def _verdict(verdict: Mapping[str, object] | None) -> str:
    if verdict is None:
        return _section("verify", "Verify", "", '<p class="muted">no verifier</p>')
    passed = verdict.get("passed") is True
    report = verdict.get("report")
    word = "passed" if passed else "failed"
    text = f'<p class="{word}" data-passed="{e(passed).lower()}"><strong>{word}</strong></p>'
    if verdict.get("stale"):
        text += (
            '<p class="muted" data-stale>as judged a moment ago: the journal is long, so the '
            "verdict is not recomputed on every change (GET /_fake/verify judges it now)</p>"
        )
    if isinstance(report, str) and report:
        shown = report[:REPORT_SHOWN]
        more = len(report) - len(shown)
        tail = f"\n… {more} more character(s): GET /_fake/verify has it all" if more else ""
        text += f"<pre>{e(shown + tail)}</pre>"
    return _section("verify", "Verify", "the scenario's expectations, now", text)


def _partitions(partitions: Partitions | None) -> str:
    if partitions is None:
        return '<span class="muted">unpartitioned</span>'
    keys = partitions.keys
    span = f"{keys[0]} … {keys[-1]}" if len(keys) > 1 else keys[0]
    return f"{e(partitions.kind)} · {e(len(keys))} · {_mono(span)}"


def _assets(view: View) -> str:
    rows = [
        [
            _mono(a.key),
            _partitions(a.partitions),
            _counts(a.runs),
            _counts(a.backfills),
            e(a.materializations),
        ]
        for a in view.assets
    ]
    total = view.counts.get("assets", len(rows))
    note = f"{total}" + (f", the first {len(rows)} shown" if total > len(rows) else "")
    headers = ["asset", "partitions", "runs", "backfills", "materializations"]
    return _section("assets", "Assets", note, table(headers, rows))


def _runs(view: View) -> str:
    rows = [
        [
            _mono(r.id),
            _mono(r.asset_key),
            _mono(r.partition_key),
            _status(r.status.value),
            _mono(r.created_at),
            _mono(r.started_at),
            _mono(r.ended_at),
            _mono(r.backfill_id),
        ]
        for r in view.runs
        if isinstance(r, Run)
    ]
    note = f"the newest {len(rows)} of {view.counts.get('runs', 0)}"
    headers = ["run", "asset", "partition", "status", "created", "started", "ended", "backfill"]
    return _section("runs", "Runs", note, table(headers, rows))


def _backfills(view: View) -> str:
    rows = []
    for b in view.backfills:
        if not isinstance(b, Backfill):
            continue
        counts = {k: v for k, v in msgspec.structs.asdict(b.partition_counts).items() if v}
        shown = " · ".join(f"{e(k)} {e(v)}" for k, v in counts.items())
        rows.append(
            [
                _mono(b.id),
                _mono(b.asset_key),
                e(b.title or ""),
                _status(b.status.value),
                f"{e(b.num_partitions)} <span class='muted'>{shown}</span>",
                _mono(b.created_at),
                _mono(b.updated_at),
            ]
        )
    note = f"the newest {len(rows)} of {view.counts.get('backfills', 0)}"
    headers = ["backfill", "asset", "title", "status", "partitions", "created", "updated"]
    return _section("backfills", "Backfills", note, table(headers, rows))


def _faults(faults: list[dict[str, object]]) -> str:
    rows = [
        [
            _mono(f["name"]),
            f"<pre>{e(json.dumps(f['match'], ensure_ascii=False))}</pre>",
            f"<pre>{e(json.dumps(f['respond'], ensure_ascii=False))}</pre>",
            f'<span data-matched="{e(f["name"])}">{e(f["matched"])}</span>',
            f'<span data-fired="{e(f["name"])}">{e(f["fired"])}</span>',
        ]
        for f in faults
    ]
    headers = ["fault", "match", "respond", "matched calls", "fired"]
    return _section("faults", "Faults", "in the order they are tried", table(headers, rows))


# ------------------------------------------------------------------------------ journal


def _journal(view: View) -> str:
    note = f"newest first: {len(view.journal)} of {view.journal_total}"
    if view.journal_dropped:
        note += f" ({view.journal_dropped} older entries dropped)"
    if not view.journal:
        return _section("journal", "Journal", note, '<p class="muted">no request yet</p>')
    items = "".join(f"<li>{_entry(entry)}</li>" for entry in view.journal)
    return _section("journal", "Journal", note, f'<ol class="journal">{items}</ol>')


def _answered(entry: JournalEntry) -> tuple[str, str]:
    """The status as shown, and its class."""
    if entry.aborted:
        return "aborted", "s-net"
    if entry.network is not None and entry.status == 0:
        return entry.network, "s-net"
    return str(entry.status), f"s-{entry.status // 100}xx"


def _entry(entry: JournalEntry) -> str:
    target = entry.path + ("?" + entry.query if entry.query else "")
    shown, css = _answered(entry)
    fault = f"fault {entry.fault}" if entry.fault else ""
    summary = (
        f'<span class="mono">{e(format_ms(from_datetime(entry.clock_time)))}</span>'
        f'<span class="mono">{e(entry.method)}</span>'
        f'<span class="mono" title="{e(target)}">{e(target)}</span>'
        f'<span class="status {e(css)}">{e(shown)}</span>'
        f'<span class="fault">{e(fault)}</span>'
    )
    facts = [
        ("request id", entry.request_id),
        ("operation", entry.operation or "none (routed nowhere)"),
        ("asset", entry.asset),
        ("network fault", entry.network),
        ("Retry-After answered", entry.retry_after),
    ]
    about = _headers([(name, str(v)) for name, v in facts if v is not None])
    exchange = about + _exchange(entry.details)
    return (
        f'<details data-key="{e(entry.request_id)}"><summary>{summary}</summary>'
        f'<div class="exchange">{exchange}</div></details>'
    )


def _exchange(details: Details | None) -> str:
    if details is None:
        return '<p class="muted">no details kept</p>'
    size = f"{details.request_size} byte(s)"
    if details.body_cut:
        size += f", the first {BODY_KEPT} kept"
    request = f"<h4>Request <small>body {e(size)}</small></h4>"
    request += _headers(details.request_headers) + _body(details.request_body)
    status = str(details.response_status) if details.response_status else "none sent"
    answer = (
        f"<h4>Answer <small>status {e(status)} · body {e(details.response_size)} byte(s)"
        "</small></h4>"
    )
    return request + answer + _headers(details.response_headers)


def _headers(pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td>{e(name)}</td><td>{_mono(value)}</td></tr>" for name, value in pairs)
    return f'<table class="headers"><tbody>{rows}</tbody></table>' if rows else ""


def _body(body: bytes) -> str:
    if not body:
        return '<p class="muted">no body</p>'
    shown = body[:BODY_SHOWN]
    try:
        text = shown.decode("utf-8")
        kind = ""
    except UnicodeDecodeError:
        text = shown.decode("utf-8", errors="replace")
        kind = " (not UTF-8: undecodable bytes shown as \ufffd)"
    more = f" … {len(body) - len(shown)} more byte(s) in the control API's journal"
    note = kind + (more if len(body) > len(shown) else "")
    tail = f'<p class="muted">{e(note.strip())}</p>' if note else ""
    return f"<pre>{e(text)}</pre>{tail}"


# ------------------------------------------------------------------------------ landing


def landing(
    assets: Sequence[AssetConfig], total: int, links: str, first: str, token: str | None
) -> str:
    """The landing page's sections (``links``: list items, HTML already)."""
    about = (
        "<p>A stateful fake of the Assets API (materializations, runs and backfills of data "
        "assets) for testing the clients that consume it. It keeps real state on a clock you "
        "control and injects the failures the real service can produce, from YAML scenarios."
        "</p>"
    )
    rows = [[_mono(a.key), _partitions(a.partitions)] for a in assets]
    note = f"{total}" + (f", the first {len(rows)} shown" if total > len(rows) else "")
    auth = "" if token is None else " -H " + e(shlex.quote(f"Authorization: Bearer {token}"))
    path = f"/assets/{quote(first, safe='%')}/runs"
    curl = (
        f'<pre>curl -s{auth} "<span data-origin>http://127.0.0.1:8000</span>{e(path)}"</pre>'
        '<p class="muted">Prefix any path with <code>/_ns/NAME</code> for a namespace of '
        "your own (its own state, clock, faults and journal).</p>"
    )
    return "\n".join(
        [
            _section("about", "What this is", "", about),
            _section("assets", "Assets", note, table(["asset", "partitions"], rows)),
            _section("links", "Where to go", "", f"<ul>{links}</ul>"),
            _section("try", "Try it", "", curl),
        ]
    )
