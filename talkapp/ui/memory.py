"""Keep Python's garbage collector off the window's back, and on its thread.

Two problems, one module:

- **Stalls.** The contact table holds an object per contact. A full
  collection walks every tracked object: 100–200 ms on the GUI thread at
  100,000 contacts, repeated while a first sync fills the table. After the
  table takes a batch, young garbage is collected and the survivors are
  moved out of the collector's sight (``gc.freeze``); acyclic garbage is
  still freed by reference counting, and the table's rows form no cycles.
- **The wrong thread.** Automatic collections run on whichever thread
  happens to allocate; when that is the store's worker thread and a cycle
  holds a Qt object, Qt destroys it off its thread ("Timers cannot be
  stopped from another thread") and may crash. ``MainThreadCollector``
  turns automatic collection off and collects on a GUI-thread timer.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

TICK_MS = 500
MIDDLE_EVERY = 10  # ticks: generation 1 every 5 s
FULL_EVERY = 120  # ticks: a full collection every minute


def settle_long_lived() -> None:
    """Collect young garbage, then stop re-scanning what has lived this long."""
    gc.collect(1)
    gc.freeze()


class MainThreadCollector(QObject):
    """Python's cyclic garbage collection, only ever on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect everything here, then give collection back to Python."""
        self._timer.stop()
        gc.collect()
        gc.enable()

    def _on_timer_timeout(self) -> None:
        self._ticks += 1
        if self._ticks % FULL_EVERY == 0:
            gc.collect()
        elif self._ticks % MIDDLE_EVERY == 0:
            gc.collect(1)
        else:
            gc.collect(0)
