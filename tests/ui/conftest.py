"""UI test fixtures: a qasync loop on the test's QApplication, and a real
engine on an in-process simulator.

Qt runs offscreen (tests/conftest.py). Async steps run inside the qasync
loop with ``run(coro)``; ``settle(predicate)`` waits, with a deadline, for
the UI to reach a state — never a fixed sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication
from qa_demo_support import demo, webhooks  # noqa: F401  (the QA demo's fixtures)
from ui_harness import OTHER_SIM_URL, SIM_URL, TOKEN, Harness

from talkapp.simulator import SimulatorConfig, create_app
from talkapp.simulator.testing import client_factory
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine
from talkapp.ui.memory import MainThreadCollector


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop that counts as running for the whole test.

    In the app, everything happens inside ``run_until_complete(main())``; a
    test pokes widgets between awaits instead, and the tasks those pokes
    start must find a running loop when Qt steps them.
    """
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    # As in the app: garbage is collected on this (the GUI) thread only, so
    # no Qt object is ever destroyed on the store's worker thread.
    collector = MainThreadCollector()
    collector.start()
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        asyncio.events._set_running_loop(None)
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        collector.stop()


@pytest.fixture
def harness(qloop: qasync.QEventLoop, tmp_path: Path) -> Iterator[Harness]:
    """A connected, synced engine on a 60-contact simulated portal; a second
    portal (40 contacts, id 777) answers at ``OTHER_SIM_URL``."""
    app = create_app(SimulatorConfig(token=TOKEN, contacts=60, rate_limit=0))
    other = SimulatorConfig(
        token=TOKEN, contacts=40, seed=9, rate_limit=0, portal_id=777
    )
    factories = {
        SIM_URL: client_factory(app),
        OTHER_SIM_URL: client_factory(create_app(other)),
    }
    store = AsyncStore(tmp_path / "talk.sqlite3")
    engine = SyncEngine(
        store, client_factory=lambda url, token: factories[url](url, token)
    )
    harness = Harness(qloop, app, store, engine)
    harness.run(engine.connect(SIM_URL, TOKEN))
    harness.run(engine.sync_once())
    yield harness
    harness.run(engine.aclose())
    store.close()
