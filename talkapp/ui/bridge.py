"""The engine's observer, turned into Qt signals for the widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from talkapp.sync.engine import SyncEngine

EVENTS = (
    "contacts_changed",
    "statuses_changed",
    "direction_reset",
    "integration_changed",
    "sync_started",
    "sync_finished",
    "sync_failed",
)


class EngineEvents(QObject):
    """Re-emits what the engine reports as signals of the same names.

    The engine calls observers on the event loop's thread, which under
    qasync is the GUI thread, so the signals are delivered directly.
    """

    contacts_changed = Signal(list)
    statuses_changed = Signal()
    direction_reset = Signal(str)
    integration_changed = Signal()
    sync_started = Signal()
    sync_finished = Signal(object)
    sync_failed = Signal(str)

    def __init__(self, engine: SyncEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._observer = _Forwarder(self)
        engine.observers.subscribe(self._observer)

    def detach(self) -> None:
        self._engine.observers.unsubscribe(self._observer)


class _Forwarder:
    """The plain object the engine sees; each call emits the matching signal."""

    def __init__(self, events: EngineEvents) -> None:
        self._events = events

    def __getattr__(self, name: str) -> Any:
        if name not in EVENTS:
            raise AttributeError(name)
        return getattr(self._events, name).emit
