"""How the UI (or anything else) hears what the engine did.

An observer implements any of these methods; the engine calls the ones it
has, on the event loop's thread, and never lets an observer's error stop a
sync.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger("talkapp.sync.observer")


class Observer(Protocol):
    def contacts_changed(self, contact_ids: list[int]) -> None: ...
    def statuses_changed(self) -> None: ...
    def direction_reset(self, message: str) -> None: ...
    def integration_changed(self) -> None: ...
    def sync_started(self) -> None: ...
    def sync_finished(self, summary: Any) -> None: ...
    def sync_failed(self, message: str) -> None: ...


class Observers:
    """The engine's subscriber list."""

    def __init__(self) -> None:
        self._observers: list[object] = []

    def subscribe(self, observer: object) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: object) -> None:
        self._observers.remove(observer)

    def emit(self, event: str, *args: Any) -> None:
        for observer in list(self._observers):
            handler = getattr(observer, event, None)
            if handler is None:
                continue
            try:
                handler(*args)
            except Exception:
                log.exception("observer %r failed on %s", observer, event)
