"""The ``assetfake`` command: serve | validate | scenarios | openapi | schema | verify | matrix.

A bad command-line value (an option out of range, an unknown scenario, a scenario that does not
load, an address that cannot be bound) is reported on stderr, one line per problem, with exit
status 2 and never a traceback. ``validate``, ``verify`` and ``matrix`` exit 1 when what they
check fails.
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import json
import signal
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from assetfake.cli_values import clock_speed, port_number, scenarios_folder, seed_number
from assetfake.logs import LOG_FORMATS, configure_logging

if TYPE_CHECKING:
    from assetfake.fake import AssetFake

#: Exit status of a bad command line (argparse's own), and of a check that failed.
USAGE_ERROR = 2
CHECK_FAILED = 1

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DEFAULT_HOST = "127.0.0.1"


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        one_line = " ".join(message.split())
        self.exit(USAGE_ERROR, f"{self.prog}: error: {one_line} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """``--version``: the version is read from the package metadata only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from assetfake._version import __version__

        sys.stdout.write(f"assetfake {__version__}\n")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # ``serve`` is the command whose start-up is waited for: it builds only its own parser.
    parser = build_parser(matrix=given[:1] != ["serve"])
    args = parser.parse_args(given)
    if not getattr(args, "command", None):
        parser.print_help()
        return USAGE_ERROR
    code: int = args.run(args)
    return code


# --- the parser --------------------------------------------------------------------------------


def build_parser(matrix: bool = True) -> argparse.ArgumentParser:
    """The `assetfake` command line, every option with its help (without ``matrix``, whose
    parser imports its runner and httpx, when ``matrix`` is false)."""
    parser = _Parser(
        prog="assetfake", description="A stateful fake of the Assets API for testing clients."
    )
    parser.add_argument("--version", action=_Version, help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_serve(sub)

    validate = sub.add_parser(
        "validate", help="check scenario files", description="Check scenario files."
    )
    validate.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="scenario YAML files; each is checked in full ('ok: FILE' or its errors)",
    )
    validate.set_defaults(run=_validate)

    scenarios = sub.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.set_defaults(run=_scenarios)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document of the faked API")
    openapi.add_argument(
        "--format", choices=("json", "yaml"), default="json", help="output format (default: json)"
    )
    openapi.add_argument(
        "--scenario",
        metavar="S",
        default=None,
        help="print the document an instance serving this scenario (a name or a file) serves "
        "(default: the real service's, auth required)",
    )
    openapi.set_defaults(run=_openapi)

    check = sub.add_parser("verify", help="check a running fake's expectations")
    check.add_argument("--url", required=True, help="the fake's base URL (may include /_ns/NAME)")
    check.set_defaults(run=_verify)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.set_defaults(run=_schema)
    if matrix:
        from assetfake.matrix_cli import add_matrix

        add_matrix(sub)
    return parser


def _add_serve(sub: argparse._SubParsersAction[_Parser]) -> None:
    serve = sub.add_parser("serve", help="serve a scenario over HTTP")
    serve.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="a shipped scenario's name or a YAML file (default: 'default')",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}; any other warns: no real security)",
    )
    serve.add_argument(
        "--port", type=port_number, default=8000, help="port (default: 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--seed", type=seed_number, default=None, help="overrides the scenario's seed"
    )
    serve.add_argument(
        "--clock",
        choices=("manual", "realtime"),
        default="realtime",
        help="realtime (default here) or manual (moves only over the control API)",
    )
    serve.add_argument(
        "--speed",
        type=clock_speed,
        default=None,
        metavar="X",
        help="realtime clock speed, above 0 (default: the scenario's)",
    )
    serve.add_argument(
        "--scenarios-dir",
        action="append",
        type=scenarios_folder,
        default=[],
        metavar="DIR",
        help="a folder of scenarios (repeatable): names are looked up there first, and a "
        "scenario loaded over the control API may name them (?name=) and extend their files",
    )
    serve.add_argument("--no-control", action="store_true", help="turn the /_fake control API off")
    serve.add_argument(
        "--log-level",
        type=str.lower,
        choices=LOG_LEVELS,
        default="info",
        help="least severe log level written to stderr (default: info; debug adds control calls)",
    )
    serve.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text: one line per record, timestamped (default); json: one JSON object per line",
    )
    serve.set_defaults(run=_serve)


# --- commands ----------------------------------------------------------------------------------


def _usage_error(*lines: str) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return USAGE_ERROR


def _cannot_load(error: Exception) -> int:
    """A scenario that did not load: its ``file:line:col: path: message`` lines, exit 2."""
    from assetfake.scenario import ScenarioError

    if isinstance(error, ScenarioError):
        return _usage_error(*(problem.format() for problem in error.errors))
    return _usage_error(f"assetfake: {' '.join(str(error).split())}")


def _serve(args: argparse.Namespace) -> int:
    from assetfake.scenario import ScenarioError

    try:
        fake = _fake(args)
    except (ScenarioError, OSError, ValueError) as error:
        return _cannot_load(error)
    if args.no_control:
        fake.app.control = None
    from assetfake.http.socket_server import listening_socket, server_for

    try:
        sock = listening_socket(args.host, args.port)
    except (OSError, OverflowError) as error:
        return _usage_error(f"assetfake: cannot listen on {args.host}:{args.port}: {error}")
    with sock:
        server = server_for(fake.app, args.log_level, graceful_seconds=2)
        # Catch SIGINT/SIGTERM before anyone can know the URL: a stop that arrives before
        # uvicorn is running still ends the process cleanly (exit 0).
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, server.handle_exit)
        configure_logging(args.log_level, args.log_format, sys.stderr)
        _settle_heap()
        _announce(fake, sock, args.clock)
        server.run(sockets=[sock])
    return 0


def _settle_heap() -> None:
    """Move everything built so far out of the garbage collector's sight (issue 11, p99 under
    load): the modules, the scenario's template, the app and the server live as long as the
    process, and a full collection no longer walks them (under a long POST load its pauses
    halve). Nothing is collected first: a start-up leaves a few dozen unreachable objects,
    not worth a 10-20 ms collection before the first answer; frozen, they stay."""
    gc.freeze()


def _fake(args: argparse.Namespace) -> AssetFake:
    from assetfake.fake import AssetFake

    return AssetFake(
        args.scenario,
        seed=args.seed,
        clock=args.clock,
        speed=args.speed,
        scenarios_dirs=args.scenarios_dir,
    )


def _announce(fake: AssetFake, sock: socket.socket, clock: str) -> None:
    """The URL on stdout (its first line, for scripts), the rest through the log."""
    import logging

    log = logging.getLogger("assetfake")
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"http://{shown}:{port}", flush=True)
    if not _is_loopback(host):
        log.warning(
            "listening on %s, reachable from other machines: the fake has no real security "
            "(--host 127.0.0.1 keeps it local)",
            host,
        )
    log.info(
        "serving scenario '%s' (seed %s, %s clock); Ctrl+C stops",
        fake.scenario.name,
        fake.seed,
        clock,
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _validate(args: argparse.Namespace) -> int:
    code = 0
    for file in args.files:
        problems = _problems_in(file)
        for problem in problems:
            print(problem)
        if problems:
            code = CHECK_FAILED
        else:
            print(f"ok: {file}")
    return code


def _problems_in(file: str) -> list[str]:
    """Every problem of one scenario file, as ``file:line:col: path: message`` lines."""
    from assetfake.scenario import validate_files

    try:
        return [error.format() for error in validate_files([file])]
    except (ValueError, RecursionError) as error:  # the loader's job; never a traceback here
        return [f"{file}: $: {' '.join(str(error).split())}"]


def _verify(args: argparse.Namespace) -> int:
    import httpx

    base = args.url.rstrip("/")
    try:
        answer = httpx.get(base + "/_fake/verify", timeout=30)
        journal = httpx.get(base + "/_fake/journal", timeout=30) if answer.is_success else answer
    except httpx.HTTPError as error:
        return _usage_error(f"assetfake: cannot reach {args.url}: {error}")
    for reply in (answer, journal):
        if reply.status_code != 200:
            text = " ".join(reply.text.split())[:300]
            return _usage_error(f"assetfake: {reply.status_code} from {reply.url}: {text}")
    result = answer.json()
    print(result.get("report", ""))
    if not journal.json().get("items"):
        print(
            f"assetfake: warning: no request reached {args.url} (its journal is empty), "
            "so nothing the client did was judged",
            file=sys.stderr,
        )
        return CHECK_FAILED
    return 0 if result.get("passed") else CHECK_FAILED


def _scenarios(args: argparse.Namespace) -> int:
    from assetfake.scenario import library

    entries = library()
    width = max((len(entry.name) for entry in entries), default=0)
    for entry in entries:
        summary = " ".join((entry.description or "").split())
        print(f"{entry.name:<{width}}  {summary}")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from assetfake.http.openapi import openapi_document
    from assetfake.scenario import Scenario, ScenarioError

    auth = True  # the real service's document: auth required
    if args.scenario is not None:
        try:
            auth = Scenario.load(args.scenario).spec.auth is not None
        except (ScenarioError, OSError, ValueError) as error:
            return _cannot_load(error)
    document = openapi_document(auth)
    if args.format == "yaml":
        import yaml

        sys.stdout.write(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    else:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from assetfake.scenario import scenario_json_schema

    sys.stdout.write(json.dumps(scenario_json_schema(), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
