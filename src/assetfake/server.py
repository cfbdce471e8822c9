"""A real uvicorn server for an ASGI app, on a background thread, with a clean shutdown."""

from __future__ import annotations

import threading
from time import monotonic as _monotonic
from time import sleep as _sleep
from types import TracebackType

import uvicorn

from assetfake.http.app import AssetsApp
from assetfake.http.socket_server import listening_socket, server_for

# The real clock functions, bound at import: a server started inside ``fake.clock.patch()``
# still waits real time for its start-up.


class LiveServer:
    """``with LiveServer(app) as url:`` serves on 127.0.0.1 (a free port unless given)."""

    def __init__(
        self, app: AssetsApp, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.log_level = log_level
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = server_for(self.app, self.log_level, graceful_seconds=1)
        self._server = server
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"assetfake-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = _monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or _monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError("the assetfake server did not start")
            _sleep(0.005)
        self.url = f"http://{self.host}:{self.port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
