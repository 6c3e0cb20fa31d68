"""Fixtures for the HubSpot panel and sync log tests: a real engine and UiContext
on an in-process simulator, starting never connected.

Async steps run inside the qasync loop (``rig.run``); ``rig.settle`` and
``rig.wait_for`` run the loop until a condition holds or a signal arrives,
with a deadline, so no test sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import qasync
import shiboken6
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

from talkapp.hubspot import HubSpotClient
from talkapp.simulator import SimulatorConfig, create_app
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine
from talkapp.sync.secrets import MemoryTokenStore
from talkapp.ui.context import UiContext
from talkapp.ui.memory import MainThreadCollector

SIM_URL = "http://simulator.test"
TOKEN = "sim-token"
READ_ONLY_TOKEN = "read-only-token"
UNREACHABLE_URL = "http://127.0.0.1:1"


@dataclass
class FakeSimulator:
    """Stands in for BuiltInSimulator: the same ``url`` and ``token``."""

    url: str = SIM_URL
    token: str = TOKEN


MemoryTokens = MemoryTokenStore


@dataclass
class Rig:
    """The loop, the simulator app, the engine and the UiContext over it."""

    loop: qasync.QEventLoop
    app: Any
    store: AsyncStore
    engine: SyncEngine
    ctx: UiContext
    widgets: list[QWidget] = field(default_factory=list)

    @property
    def portal(self) -> Any:
        return self.app.state.portal

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` on the loop, then let the UI's tasks finish.

        qasync's ``run_until_complete`` processes Qt events once more after
        the loop stops, with no running asyncio loop; a task step that lands
        there fails with "no running event loop". Returning only when no UI
        task is in flight keeps that last pass free of task steps.
        """

        async def then_quiet() -> Any:
            result = await coro
            while self.ctx.tasks.busy:
                await self.ctx.tasks.wait_idle()
                await asyncio.sleep(0.005)  # done-callbacks may start more
            return result

        return self.loop.run_until_complete(then_quiet())

    def settle(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Run the loop until ``predicate()`` holds; fail after ``timeout``."""

        async def wait() -> None:
            deadline = time.monotonic() + timeout
            while not predicate():
                if time.monotonic() > deadline:
                    raise AssertionError("the UI did not settle in time")
                await asyncio.sleep(0.01)

        self.run(wait())

    def wait_for(
        self,
        signal: SignalInstance,
        action: Callable[[], Any] | None = None,
        timeout: float = 5.0,
    ) -> tuple[Any, ...]:
        """Do ``action``, then run the loop until ``signal`` fires; its args."""
        caught: list[tuple[Any, ...]] = []

        def catch(*args: Any) -> None:
            caught.append(args)

        signal.connect(catch)
        try:
            if action is not None:
                action()
            self.settle(lambda: bool(caught), timeout)
        finally:
            signal.disconnect(catch)
        return caught[0]

    def show(self, widget: QWidget) -> QWidget:
        """Show ``widget``; the rig deletes it at teardown, on this thread."""
        self.widgets.append(widget)
        widget.show()
        return widget

    def close_widgets(self) -> None:
        # Deleted here rather than by the garbage collector, which may run on
        # the store's worker thread: Qt warns (and can crash) when an object
        # with timers is destroyed off its own thread.
        for widget in self.widgets:
            if shiboken6.isValid(widget):
                widget.close()
                shiboken6.delete(widget)
        self.widgets.clear()

    def idle(self) -> None:
        """Let every task the UI started finish."""
        self.run(asyncio.sleep(0))

    def connect(self) -> None:
        self.run(self.engine.connect(SIM_URL, TOKEN))

    def sync(self) -> Any:
        return self.run(self.engine.sync_once())


def client_factory(app: Any) -> Callable[[str, str], HubSpotClient]:
    """The simulator in-process for SIM_URL; the real network, tried once,
    for any other address (so an unreachable one fails at once)."""

    def make(url: str, token: str) -> HubSpotClient:
        if url == SIM_URL:
            return HubSpotClient(
                url,
                token,
                transport=httpx.ASGITransport(app=app),
                rate_limit=None,
                search_rate_limit=None,
                retry_wait_initial=0.001,
                retry_wait_max=0.005,
            )
        return HubSpotClient(
            url,
            token,
            timeout=2.0,
            rate_limit=None,
            search_rate_limit=None,
            max_attempts=1,
            retry_wait_initial=0.001,
            retry_wait_max=0.005,
        )

    return make


@pytest.fixture
def rig_loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector()  # garbage is collected on this thread only
    collector.start()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)
    collector.stop()


@pytest.fixture
def rig(qtbot: Any, rig_loop: qasync.QEventLoop, tmp_path: Path) -> Iterator[Rig]:
    """A never-connected Talk on a 40-contact simulated portal.

    Teardown lets the UI's tasks finish, deletes the views the test showed,
    then closes the engine, the store and (in ``rig_loop``) the loop.
    """
    app = create_app(
        SimulatorConfig(
            token=TOKEN,
            tokens={READ_ONLY_TOKEN: ("crm.objects.contacts.read",)},
            contacts=40,
            rate_limit=0,
        )
    )
    store = AsyncStore(tmp_path / "talk.sqlite3")
    engine = SyncEngine(
        store, tokens=MemoryTokens(), client_factory=client_factory(app)
    )
    ctx = UiContext(engine, simulator=FakeSimulator())
    rig = Rig(rig_loop, app, store, engine, ctx)
    yield rig
    rig.idle()
    ctx.tasks.close()  # a debounce timer that fires now starts nothing
    rig.close_widgets()
    ctx.events.detach()
    rig.run(engine.aclose())
    store.close()
