"""The UI tests' harness: the qasync loop, the simulator and a real engine."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import qasync
from PySide6.QtCore import QEventLoop, QTimer

from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine

SIM_URL = "http://simulator.test"
# A second simulated portal (40 contacts, id 777) the harness's engine reaches.
OTHER_SIM_URL = "http://other-portal.test"
TOKEN = "sim-token"


@dataclass
class Harness:
    """The loop, the simulator app and an engine connected to it."""

    loop: qasync.QEventLoop
    app: Any
    store: AsyncStore
    engine: SyncEngine

    @property
    def portal(self) -> Any:
        return self.app.state.portal

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        """Run ``coro`` to its end while Qt keeps processing events.

        The qasync loop counts as running for the whole test (see the
        ``qloop`` fixture), as it does in the app, so tasks that widgets
        start between two ``run`` calls step normally.
        """
        future = asyncio.ensure_future(coro)
        waiter = QEventLoop()
        future.add_done_callback(lambda _: waiter.quit())
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(waiter.quit)
        timer.start(int(timeout * 1000))
        if not future.done():
            waiter.exec()
        timer.stop()
        if not future.done():
            future.cancel()
            raise AssertionError(f"{coro!r} did not finish in {timeout} s")
        return future.result()

    def settle(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        """Run the loop until ``predicate()`` holds; fail after ``timeout``.

        The predicate may be async (return an awaitable), to ask the engine.
        """

        async def holds() -> bool:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            return bool(result)

        async def wait() -> None:
            deadline = time.monotonic() + timeout
            while not await holds():
                if time.monotonic() > deadline:
                    raise AssertionError("the UI did not settle in time")
                await asyncio.sleep(0.01)

        self.run(wait())
