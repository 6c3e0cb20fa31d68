"""Serve an ASGI app (the simulator, the webhook receiver) on loopback.

``LoopbackServer`` runs it on a thread of its own, for tests and for the
desktop app's built-in simulator; ``serve`` runs it in the foreground for
``talkapp simulator``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger("talkapp.loopback")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only turns Nagle off (TCP_NODELAY) on
    # accepted sockets whose proto says TCP; with proto 0 every response that
    # uvicorn writes in two pieces waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def _config(app: Starlette, **overrides: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="httptools",
        timeout_graceful_shutdown=2,
        **overrides,
    )


class LoopbackServer:
    """The app served on 127.0.0.1 from a background thread.

    ``with LoopbackServer(app) as server:`` starts it on a free port (or the
    given one) and returns once it accepts connections; leaving the block
    stops it and waits for the thread.
    """

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.host = host
        self._socket = _bind(host, port)
        self.port = self._socket.getsockname()[1]
        self._server = uvicorn.Server(_config(app))
        self._thread = threading.Thread(
            target=self._run, name=f"loopback:{self.port}", daemon=True
        )
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"server failed to start: {self._error}")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start in time")
            time.sleep(0.01)
        log.debug("serving on %s", self.url)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as error:  # reported to the starting thread
            self._error = error


def serve(app: Starlette, host: str, port: int) -> None:
    """Serve in the foreground until interrupted."""
    server = uvicorn.Server(_config(app))
    sock = _bind(host, port)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()
