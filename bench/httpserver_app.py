"""One of the other fakes: pytest-httpserver answering the two benchmarked routes with fixed
bytes (the bytes assetfake answers), as a test author would set it up: permanent handlers on
the paths of any asset key, in its threaded mode (one thread per connection; its default serves
one connection at a time), its access log off, its log of requests cleared every 0.5 s (as
between tests; it would otherwise hold every request of the run). Its server (werkzeug's)
closes every connection after one answer (``Connection: close``): bench/load.py opens a new
one, as a client would.

    python bench/httpserver_app.py --page page.json --run run.json [--port 0]

Prints its URL on the first line of stdout, like ``assetfake serve``; serves until SIGTERM.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from types import FrameType

from pytest_httpserver import HTTPServer

from served_bodies import parse_served

PAGE_ROUTE = re.compile(r"^/assets/[^/]+/runs$")
TRIGGER_ROUTE = re.compile(r"^/assets/[^/]+/materialize$")


def configured(page: bytes, run: bytes, host: str, port: int) -> HTTPServer:
    server = HTTPServer(host=host, port=port, threaded=True)
    server.expect_request(PAGE_ROUTE, method="GET").respond_with_data(
        page, content_type="application/json"
    )
    server.expect_request(TRIGGER_ROUTE, method="POST").respond_with_data(
        run, status=202, content_type="application/json"
    )
    return server


def main() -> int:
    served = parse_served()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = configured(served.page, served.run, served.host, served.port)
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    server.start()
    print(server.url_for("").rstrip("/"), flush=True)
    while not stopped.wait(0.5):
        server.clear_log()  # as a test's teardown would: the log of every request, let go
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
