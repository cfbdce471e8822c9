"""The dashboard (``GET /_fake/ui``) and the landing page (``GET /``): what a person looks at.

Server-rendered HTML from one template and one stylesheet and script of our own (package data in
``http/ui/``, inlined into the page and allowed by hash in its Content-Security-Policy: no other
origin, no build step, works offline). Everything a client sent (paths, queries, headers,
bodies, namespace names, tags) is escaped where it is written into the page.

Cheap by construction: a page reads a bounded view of the namespace under its lock (the newest
:data:`JOURNAL_SHOWN` journal entries, the newest :data:`RUNS_SHOWN` runs ...) and renders it
after releasing the lock, so an open dashboard never holds up the API. The page polls
``ui/stamp`` (a few integers, hashed) once a second and fetches itself again only when the
stamp moved; the sections themselves are rendered by :mod:`assetfake.http.dashboard_sections`.
"""

from __future__ import annotations

import base64
import hashlib
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from urllib.parse import quote

import msgspec

from assetfake._version import __version__
from assetfake.domain.status import RunStatus
from assetfake.http import dashboard_sections as sections
from assetfake.http.inspection import clock_view, fault_views, newest_entries
from assetfake.http.namespaces import Namespace, Namespaces
from assetfake.http.replies import Reply

JOURNAL_SHOWN = 100
RUNS_SHOWN = 25
BACKFILLS_SHOWN = 20
ASSETS_SHOWN = 200
NAMESPACES_SHOWN = 500
HTML = "text/html; charset=utf-8"

Verifier = Callable[[Namespace], Mapping[str, object]]
#: The verdict is recomputed at most once per this many times what it last cost: judging a long
#: journal takes time under the namespace's lock, and a page refreshing every second must not
#: hold the API up for more than a small share of it.
VERDICT_DUTY = 10.0


@dataclass(frozen=True, slots=True)
class _Judged:
    stamp: str
    verdict: dict[str, object]
    at: float  # time.perf_counter() when it was computed
    cost: float  # seconds it took


class Verdicts:
    """The verdict each namespace's page shows: recomputed when the namespace changed, but not
    more often than :data:`VERDICT_DUTY` times its own cost allows (the page says when it shows
    an older one). Held by the control API; forgets a namespace that is dropped."""

    def __init__(self, timer: Callable[[], float] = time.perf_counter) -> None:
        self._kept: weakref.WeakKeyDictionary[Namespace, _Judged] = weakref.WeakKeyDictionary()
        self._timer = timer

    def of(self, ns: Namespace, verify: Verifier, stamp: str) -> dict[str, object]:
        """Call with the namespace's lock held."""
        kept = self._kept.get(ns)
        now = self._timer()
        if kept is not None and (kept.stamp == stamp or now - kept.at < VERDICT_DUTY * kept.cost):
            fresh = kept.stamp == stamp
            return kept.verdict if fresh else {**kept.verdict, "stale": True}
        verdict = dict(verify(ns))
        self._kept[ns] = _Judged(stamp, verdict, now, self._timer() - now)
        return verdict


@dataclass(frozen=True, slots=True)
class _Static:
    template: Template
    css: str
    script: str
    policy: str  # the Content-Security-Policy that allows exactly these two


@cache
def _static() -> _Static:
    folder = files("assetfake") / "http" / "ui"
    css = (folder / "dashboard.css").read_text(encoding="utf-8")
    script = (folder / "dashboard.js").read_text(encoding="utf-8")
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src '{_hash(script)}'",
            f"style-src '{_hash(css)}'",
            "connect-src 'self'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    template = Template((folder / "page.html").read_text(encoding="utf-8"))
    return _Static(template, css, script, policy)


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _page(title: str, nav: str, main: str, *, stamp: str = "", base: str = "") -> Reply:
    """The whole page; with a ``stamp``, it polls ``{base}/_fake/ui/stamp`` to stay current."""
    static = _static()
    text = static.template.substitute(
        title=escape(title),
        heading=escape(title),
        nav=nav,
        main=main,
        stamp=escape(stamp),
        stamp_url=escape(f"{base}/_fake/ui/stamp" if stamp else ""),
        page_url=escape(f"{base}/_fake/ui" if stamp else ""),
        version=escape(__version__),
        css=static.css,
        script=static.script,
    )
    headers = {
        "Content-Security-Policy": static.policy,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return Reply(200, text.encode("utf-8"), headers, HTML)


def prefix_of(name: str, is_named: bool) -> str:
    """The URL prefix that addresses a namespace: ``/_ns/{name}``, or none for the default."""
    return "/_ns/" + quote(name, safe="") if is_named else ""


def _nav(base: str) -> str:
    links = [
        ("/", "home"),
        ("/_fake/ui/namespaces", "namespaces"),
        (f"{base}/_fake/ui", "this namespace"),
        (f"{base}/_fake/state", "state (JSON)"),
        (f"{base}/_fake/journal", "journal (JSON)"),
        ("/_fake/openapi.json", "control API"),
    ]
    return "".join(f'<a href="{escape(href)}">{escape(text)}</a>' for href, text in links)


# -------------------------------------------------------------------------- one namespace


def namespace_page(
    ns: Namespace, base: str, verify: Verifier | None, verdicts: Verdicts | None = None
) -> Reply:
    """The dashboard of one namespace (``base``: its URL prefix, see :func:`prefix_of`)."""
    with ns.lock:  # one consistent view, and the stamp that goes with it
        stamp = stamp_of(ns)
        view = look(ns, verify, verdicts or Verdicts(), stamp)
    title = f"assetfake · namespace {ns.name}"
    return _page(title, _nav(base), sections.render(view), stamp=stamp, base=base)


def look(ns: Namespace, verify: Verifier | None, verdicts: Verdicts, stamp: str) -> sections.View:
    """What the page shows, read under the namespace's lock (bounded), rendered after."""
    entries, total = newest_entries(ns, JOURNAL_SHOWN)
    faults = fault_views(ns)
    with ns.lock:
        world = ns.world
        assets = world.assets()
        rows = [
            sections.AssetRow(
                key=asset.key,
                partitions=asset.partitions,
                runs=_by_status(ns, "runs", asset.key),
                backfills=_by_status(ns, "backfills", asset.key),
                materializations=world.count("materializations", asset.key),
            )
            for asset in assets[:ASSETS_SHOWN]
        ]
        verdict = None if verify is None else verdicts.of(ns, verify, stamp)
        return sections.View(
            namespace=ns.name,
            clock=clock_view(ns),
            counts=world.counts(),
            assets=rows,
            runs=list(world.newest("runs", RUNS_SHOWN)),
            backfills=list(world.newest("backfills", BACKFILLS_SHOWN)),
            journal=entries,
            journal_total=total,
            journal_dropped=ns.journal.dropped,
            faults=faults,
            verdict=verdict,
        )


def _by_status(ns: Namespace, kind: sections.Kind, key: str) -> dict[str, int]:
    counts = {status.value: ns.world.count(kind, key, status) for status in RunStatus}
    return {status: n for status, n in counts.items() if n}


def stamp_of(ns: Namespace) -> str:
    """Changes whenever what the page shows may have: the world, its clock, the requests, the
    journal, the faults' counts, the resources' totals."""
    with ns.lock:
        parts = (
            id(ns.world),
            ns.world.clock.now_ms(),
            ns.requests,
            len(ns.journal),
            ns.journal.dropped,
            [(count, fired) for _, count, fired in ns.faults.tallies()],
            sorted(ns.world.counts().items()),
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def stamp_reply(ns: Namespace) -> Reply:
    """``GET /_fake/ui/stamp``: ``{"stamp": "..."}``, what the page polls."""
    return Reply(200, msgspec.json.encode({"stamp": stamp_of(ns)}), {"Cache-Control": "no-store"})


# ---------------------------------------------------------------------------- namespaces


def namespace_index(namespaces: Namespaces) -> Reply:
    """``GET /_fake/ui/namespaces``: every namespace, with a link to its page."""
    names = namespaces.names()
    rows = []
    for name in names[:NAMESPACES_SHOWN]:
        ns = namespaces.get(name)
        with ns.lock:
            now = clock_view(ns)["now"]
            counts = ns.world.counts()
            requests = len(ns.journal)
        href = prefix_of(name, name != namespaces.default.name) + "/_fake/ui"
        rows.append(
            [
                f'<a href="{escape(href)}">{escape(name)}</a>',
                f'<span class="mono">{escape(str(now))}</span>',
                escape(str(requests)),
                escape(str(counts["runs"])),
                escape(str(counts["backfills"])),
            ]
        )
    shown = f"{len(names)} namespace(s)"
    if len(names) > NAMESPACES_SHOWN:
        shown += f", the first {NAMESPACES_SHOWN} shown"
    table = sections.table(["namespace", "clock", "journal entries", "runs", "backfills"], rows)
    main = f"<section><h2>Namespaces <small>{escape(shown)}</small></h2>{table}</section>"
    return _page("assetfake · namespaces", _nav(""), main)


# ------------------------------------------------------------------------------- landing


def landing_page(namespaces: Namespaces, *, control: bool = True) -> Reply:
    """``GET /``: what this server is, the assets it fakes, where to go next. With
    ``control=False`` (``--no-control``) it links no control API page."""
    template = namespaces.template
    assets = template.config.assets
    first = quote(assets[0].key, safe="") if assets else "KEY"
    auth = template.policies.auth
    token = None
    if auth is not None:
        token = auth.client[0] if auth.client else next(iter(auth.tokens), None)
    links = [("/openapi.json", "/openapi.json", "the API this server fakes (OpenAPI 3.1)")]
    if control:
        links += [
            ("/_fake/ui", "/_fake/ui", "the dashboard: clock, assets, runs, journal, faults"),
            ("/_fake/ui/namespaces", "/_fake/ui/namespaces", "every namespace's dashboard"),
            ("/_fake/openapi.json", "/_fake/openapi.json", "the control API (OpenAPI 3.1)"),
        ]
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a> {escape(what)}</li>'
        for href, text, what in links
    )
    main = sections.landing(assets[:ASSETS_SHOWN], len(assets), items, first, token)
    return _page("assetfake", "", main)
