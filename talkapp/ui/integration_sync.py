"""The HubSpot panel's sync box: how syncing is going, and Sync now.

It shows what the panel last read from the engine; when the panel has nothing
yet, every line says so with a dash rather than a guess.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QPushButton, QWidget

from talkapp.store.models import Integration
from talkapp.ui.integration_parts import (
    ERROR_STYLE,
    left,
    message_label,
    show_message,
)


class SyncBox(QGroupBox):
    """Last and next sync, what waits to be pushed or was refused, Sync now."""

    sync_requested = Signal()
    """The user pressed Sync now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent)
        self.last_sync_label = QLabel(self)
        self.last_sync_label.setWordWrap(True)
        self.next_sync_label = QLabel(self)
        self.pending_label = QLabel(self)
        self.rejected_label = QLabel(self)
        self.local_only_label = QLabel(self)
        self.sync_button = QPushButton("Sync now", self)
        self.sync_button.setToolTip("Sync now, including changes waiting to retry.")
        self.sync_button.clicked.connect(self.sync_requested)
        self.sync_error = message_label(self, error=True)
        form = QFormLayout(self)
        form.addRow("Last sync:", self.last_sync_label)
        form.addRow("Next sync:", self.next_sync_label)
        form.addRow("Pending pushes:", self.pending_label)
        form.addRow("Rejected pushes:", self.rejected_label)
        form.addRow("Local only:", self.local_only_label)
        form.addRow("", left(self.sync_button))
        form.addRow(self.sync_error)

    def clear(self) -> None:
        """Dashes everywhere: nothing has been read from the engine yet."""
        for label in (
            self.last_sync_label,
            self.next_sync_label,
            self.pending_label,
            self.rejected_label,
            self.local_only_label,
        ):
            label.setText("—")

    def render(
        self,
        integration: Integration,
        interval: float,
        pending: int,
        rejected: int,
        local_only: int,
    ) -> None:
        """Show the last sync, the next one, and the outbox's counts."""
        self.last_sync_label.setText(_last_sync_text(integration))
        self.next_sync_label.setText(_next_sync_text(integration, interval))
        self.pending_label.setText(f"{pending:,}")
        self.rejected_label.setText(f"{rejected:,}")
        self.rejected_label.setStyleSheet(ERROR_STYLE if rejected else "")
        self.rejected_label.setToolTip(
            "HubSpot refused these values; open a contact to read HubSpot's message."
            if rejected
            else ""
        )
        self.local_only_label.setText(f"{local_only:,}")

    def render_button(self, connected: bool, busy: bool) -> None:
        """Sync now only when connected and no sync is running."""
        self.sync_button.setEnabled(connected and not busy)
        self.sync_button.setText("Syncing…" if busy else "Sync now")

    def show_error(self, text: str) -> None:
        """Say why the sync this panel asked for failed."""
        show_message(self.sync_error, text)


def _clock(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))


def _last_sync_text(integration: Integration) -> str:
    if not integration.last_sync_at:
        return "Never"
    when = _clock(integration.last_sync_at)
    if integration.last_sync_ok is False:
        return f"{when}: failed: {integration.last_error or 'no reason given'}"
    return f"{when}: OK"


def _next_sync_text(integration: Integration, interval: float) -> str:
    if not integration.connected:
        return "When connected"
    every = f"every {interval:g} s"
    if not integration.last_sync_at:
        return f"Soon ({every})"
    due = integration.last_sync_at + int(interval * 1000)
    if due <= time.time() * 1000:
        return f"Due now ({every})"
    return f"{_clock(due)} ({every})"


__all__ = ["SyncBox"]
