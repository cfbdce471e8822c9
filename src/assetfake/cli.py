"""The ``assetfake`` command: serve | validate | scenarios | openapi | schema."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Sequence

import yaml


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    code: int = args.run(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assetfake", description="A stateful fake of the Assets API for testing clients."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve a scenario over HTTP")
    serve.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="a shipped scenario's name or a YAML file (default: 'default')",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=None, help="overrides the scenario's seed")
    serve.add_argument(
        "--clock",
        choices=("manual", "realtime"),
        default="realtime",
        help="realtime (default here) or manual",
    )
    serve.add_argument(
        "--speed", type=float, default=None, help="realtime clock speed (default: the scenario's)"
    )
    serve.add_argument("--no-control", action="store_true", help="turn the /_fake control API off")
    serve.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    serve.set_defaults(run=_serve)

    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(run=_validate)

    scenarios = sub.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.set_defaults(run=_scenarios)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document of the faked API")
    openapi.add_argument("--format", choices=("json", "yaml"), default="json")
    openapi.set_defaults(run=_openapi)

    check = sub.add_parser("verify", help="check a running fake's expectations")
    check.add_argument("--url", required=True, help="the fake's base URL (may include /_ns/NAME)")
    check.set_defaults(run=_verify)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.set_defaults(run=_schema)
    return parser


def _serve(args: argparse.Namespace) -> int:

    from assetfake.fake import AssetFake
    from assetfake.scenario import ScenarioError

    try:
        fake = AssetFake(args.scenario, seed=args.seed, clock=args.clock, speed=args.speed)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 1
    except (OSError, LookupError) as error:
        print(f"assetfake: {error}", file=sys.stderr)
        return 1
    if args.no_control:
        fake.app.control = None
    logging.basicConfig(level=args.log_level.upper(), format="%(message)s", stream=sys.stderr)
    from assetfake.http.socket_server import listening_socket, server_for

    server = server_for(fake.app, args.log_level, graceful_seconds=2)
    # Catch SIGINT/SIGTERM before anyone can know the URL: a stop that arrives before uvicorn
    # is running still ends the process cleanly (exit 0).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, server.handle_exit)
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as error:
        print(f"assetfake: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"http://{shown}:{port}", flush=True)
    print(
        f"assetfake: serving scenario '{fake.scenario.name}' (seed {fake.seed}, "
        f"{args.clock} clock); Ctrl+C stops",
        file=sys.stderr,
        flush=True,
    )
    server.run(sockets=[sock])
    return 0


def _validate(args: argparse.Namespace) -> int:
    from assetfake.scenario import validate_files

    errors = validate_files(args.files)
    for error in errors:
        print(error)
    return 1 if errors else 0


def _verify(args: argparse.Namespace) -> int:
    import httpx

    try:
        answer = httpx.get(args.url.rstrip("/") + "/_fake/verify", timeout=30)
    except httpx.HTTPError as error:
        print(f"assetfake: cannot reach {args.url}: {error}", file=sys.stderr)
        return 2
    if answer.status_code != 200:
        print(f"assetfake: {answer.status_code} from {args.url}: {answer.text}", file=sys.stderr)
        return 2
    result = answer.json()
    print(result.get("report", ""))
    return 0 if result.get("passed") else 1


def _scenarios(args: argparse.Namespace) -> int:
    from assetfake.scenario import library

    entries = library()
    width = max((len(entry.name) for entry in entries), default=0)
    for entry in entries:
        summary = " ".join((entry.description or "").split())
        print(f"{entry.name:<{width}}  {summary}")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from assetfake.http.openapi import load_openapi

    document = load_openapi()
    if args.format == "yaml":
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
