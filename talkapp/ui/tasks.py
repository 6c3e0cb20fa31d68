"""The one way the UI runs engine work: ``tasks.run(coro, ...)``.

Widgets never touch ``asyncio`` directly. ``TaskRunner.run`` schedules the
coroutine on the qasync loop, counts it for the busy indicator, and sends a
failure to exactly one place: the ``failed`` signal the main window shows in
its non-modal error bar. Nothing here opens a modal dialog, so no nested
event loop ever runs inside a coroutine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from talkapp.hubspot import HubSpotError
from talkapp.store.errors import RefusedError
from talkapp.sync.engine import NotConnectedError

log = logging.getLogger("talkapp.ui.tasks")

EXPECTED = (HubSpotError, RefusedError, NotConnectedError)


class TaskRunner(QObject):
    """Runs coroutines for widgets; reports busy state and failures."""

    busy_changed = Signal(bool, str)
    failed = Signal(str, str)  # what was being done, why it failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._labels: dict[asyncio.Task[Any], str] = {}
        self._closed = False

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def run(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> asyncio.Task[Any] | None:
        """Start ``coro``; ``on_done(result)`` or ``on_error(message)`` follow.

        A failure goes to ``on_error`` when given (for inline messages),
        otherwise to the ``failed`` signal. After ``close`` (the app is
        shutting down, the store may be gone) nothing new starts.
        """
        if self._closed:
            coro.close()
            return None
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        self._labels[task] = label
        self.busy_changed.emit(True, label)

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.discard(done)
            self._labels.pop(done, None)
            self.busy_changed.emit(self.busy, self._current_label())
            if done.cancelled():
                return
            error = done.exception()
            if error is None:
                if on_done is not None:
                    on_done(done.result())
                return
            message = (
                str(error)
                if isinstance(error, EXPECTED)
                else (f"{type(error).__name__}: {error}")
            )
            if not isinstance(error, EXPECTED):
                log.error("%s failed", label or "background task", exc_info=error)
            if on_error is not None:
                on_error(message)
            else:
                self.failed.emit(label, message)

        task.add_done_callback(finished)
        return task

    def close(self) -> None:
        """Refuse new work and cancel what runs; shutdown calls this first."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()

    async def wait_idle(self) -> None:
        """Wait for every running task (used at shutdown and by tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _current_label(self) -> str:
        return next(iter(self._labels.values()), "")
