"""Icons from ``talkapp.resources``: SVG, so they are sharp at any DPI and
need no emoji font (the 🔐 lock renders the same on every machine)."""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from talkapp.store.models import SyncState

LOCK_NAME = "Locked: managed in HubSpot"
SYNC_STATE_TEXT = {
    SyncState.SYNCED: ("Synced", "Synced: Talk and HubSpot agree."),
    SyncState.LOCAL_ONLY: (
        "Local only",
        "Local only: kept in Talk and not sent to HubSpot; HubSpot's next "
        "change to this contact replaces it.",
    ),
    SyncState.PENDING: (
        "Pending",
        "Pending: queued for HubSpot; it is sent at the next sync.",
    ),
    SyncState.REJECTED: (
        "Rejected",
        "Rejected: HubSpot refused this value; open the contact to see why.",
    ),
}


def svg_bytes(name: str) -> bytes:
    return (resources.files("talkapp.resources") / f"{name}.svg").read_bytes()


class _SvgEngine(QIconEngine):
    """Renders the SVG at whatever size and pixel ratio is asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data
        self._renderer = QSvgRenderer(QByteArray(data))

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        self._renderer.render(painter, rect)

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self._renderer.render(painter)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._data)


@functools.cache
def icon(name: str) -> QIcon:
    """The named SVG icon; cached, so views can ask for it per row cheaply."""
    return QIcon(_SvgEngine(svg_bytes(name)))


def lock_icon() -> QIcon:
    return icon("lock")


def sync_icon(state: SyncState) -> QIcon:
    return icon(state.value)
