"""The baseline: a bare Starlette app answering the two benchmarked routes with fixed bytes
(the bytes assetfake answers), served by uvicorn with the fastest stack installed.

    python bench/bare_app.py --page page.json --run run.json [--port 0]

Prints its URL on the first line of stdout, like ``assetfake serve``.
"""

from __future__ import annotations

import importlib.util
import signal
import socket
import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from served_bodies import parse_served


def fast_stack() -> tuple[str, str]:
    """uvicorn's choice under ``loop="auto"``, ``http="auto"``: (loop, http parser)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def stack_label() -> str:
    loop, http = fast_stack()
    missing = [name for name, have in (("httptools", http), ("uvloop", loop)) if name != have]
    label = f"uvicorn {http}+{loop}"
    if missing:
        label += f" (no {', '.join(missing)}: uvicorn[standard] adds them)"
    return label


def bare_app(page: bytes, run: bytes) -> Starlette:
    async def list_runs(request: Request) -> Response:
        return Response(page, media_type="application/json")

    async def materialize(request: Request) -> Response:
        await request.body()
        return Response(run, status_code=202, media_type="application/json")

    return Starlette(
        routes=[
            Route("/assets/{key}/runs", list_runs, methods=["GET"]),
            Route("/assets/{key}/materialize", materialize, methods=["POST"]),
        ]
    )


def _listening(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP: asyncio then sets TCP_NODELAY on accepted connections (as assetfake does).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def main() -> int:
    served = parse_served()
    import uvicorn

    app = bare_app(served.page, served.run)
    config = uvicorn.Config(
        app, loop="auto", http="auto", access_log=False, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, server.handle_exit)
    sock = _listening(served.host, served.port)
    host, port = sock.getsockname()[:2]
    print(f"http://{host}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
