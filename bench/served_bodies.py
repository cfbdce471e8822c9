"""The command line of the baseline servers (bare_app.py, httpserver_app.py): the two bodies
they answer with (the bytes assetfake answers) and where they listen."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Served:
    page: bytes  # the body of GET /assets/{key}/runs
    run: bytes  # the body of POST /assets/{key}/materialize
    host: str
    port: int


def parse_served(argv: list[str] | None = None) -> Served:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", required=True, help="file with the body of GET .../runs")
    parser.add_argument("--run", required=True, help="file with the body of POST .../materialize")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.page, "rb") as page, open(args.run, "rb") as run:
        return Served(page.read(), run.read(), args.host, args.port)
