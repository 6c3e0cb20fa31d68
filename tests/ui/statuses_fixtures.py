"""Fixtures for the statuses view tests, on top of ``harness`` (conftest.py).

WORKAROUND for qasync 0.28: ``QEventLoop.run_until_complete`` processes Qt
events once more *after* it has unset the running loop, so a view task step
still queued when a ``harness.run`` ends runs with no running loop and fails
("no running event loop" from the store). Every wait here therefore also
waits until the view is idle: no task running, no reload waiting.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, SignalInstance

from talkapp.ui.context import UiContext
from talkapp.ui.statuses_view import StatusesView

Harness = Any  # conftest.Harness; its module name is shared with tests/conftest.py


@pytest.fixture(name="ui_ctx")
def ui_ctx_fixture(harness: Harness) -> Iterator[UiContext]:
    """A UI context over the harness's engine; waits for its tasks at the end."""
    ctx = UiContext(harness.engine)
    yield ctx
    harness.run(ctx.tasks.wait_idle())
    ctx.events.detach()


@pytest.fixture(name="statuses_view")
def statuses_view_fixture(
    harness: Harness, ui_ctx: UiContext
) -> Iterator[StatusesView]:
    """The view, shown and loaded with the synced portal's list."""
    view = StatusesView(ui_ctx)
    view.resize(1000, 520)
    view.show()
    settle(harness, view, lambda: view.model.rowCount() > 0)
    yield view
    view.hide()
    harness.run(ui_ctx.tasks.wait_idle())
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def idle(view: StatusesView) -> bool:
    return not view.ctx.tasks.busy and not view.refresh_pending


def settle(
    harness: Harness, view: StatusesView, predicate: Callable[[], bool] = lambda: True
) -> None:
    """Run the loop until ``predicate()`` holds and the view is idle."""
    harness.settle(lambda: predicate() and idle(view))


def act(harness: Harness, view: StatusesView, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run an engine call, then the loop until the view has caught up."""

    async def then_idle() -> Any:
        result = await coro
        deadline = time.monotonic() + 10
        while not idle(view):
            assert time.monotonic() < deadline, "the view did not settle in time"
            await asyncio.sleep(0.01)
        return result

    return harness.run(then_idle())


class Recorder:
    """Records a signal's emissions; ``wait`` runs the loop until one arrives."""

    def __init__(self, signal: SignalInstance) -> None:
        self.calls: list[tuple[Any, ...]] = []
        signal.connect(self._record)

    def _record(self, *args: Any) -> None:
        self.calls.append(args)

    def wait(
        self, harness: Harness, view: StatusesView, count: int = 1
    ) -> tuple[Any, ...]:
        """The ``count``-th emission's arguments, once the view is idle too."""
        settle(harness, view, lambda: len(self.calls) >= count)
        return self.calls[count - 1]


def lead_status_options(harness: Harness) -> list[dict[str, Any]]:
    """A copy of the simulated portal's ``hs_lead_status`` options, to edit."""
    prop = harness.portal.get_property("hs_lead_status")
    return copy.deepcopy(prop["options"])


def set_lead_status_options(harness: Harness, options: list[dict[str, Any]]) -> None:
    """What a HubSpot admin does in the portal's property settings."""
    harness.portal.update_property("hs_lead_status", {"options": options})
