"""The HubSpot panel: connect, disconnect, direction, and how syncing is going.

Everything here asks the engine and shows its answer; the rules (the token is
checked before anything changes, a reconnect resets the direction, Talk →
HubSpot alone is refused) live in the engine. The panel only makes the
unsupported direction impossible to pick, and says why.

The panel holds the connection's state and talks to the engine; its boxes
(``integration_form``, ``integration_direction``, ``integration_sync``) hold
their own widgets and ask through signals.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from talkapp.store.models import Direction, Integration
from talkapp.ui.context import UiContext
from talkapp.ui.integration_direction import DirectionBox
from talkapp.ui.integration_form import ConnectionForm
from talkapp.ui.integration_parts import left
from talkapp.ui.integration_sync import SyncBox

REFRESH_DELAY_MS = 500
CLOCK_MS = 5000  # keeps "due now" honest between refreshes
STATE_TEXT = {
    "never_connected": "Not connected yet",
    "connected": "Connected",
    "disconnected": "Disconnected: the status list is kept, locked, and not syncing",
}


@dataclass(frozen=True)
class _Snapshot:
    """What the panel shows, read in one go so it never mixes two moments."""

    integration: Integration
    interval: float
    pending: int
    rejected: int
    local_only: int


class IntegrationView(QWidget):
    """Connection, direction and sync health for one HubSpot portal."""

    refreshed = Signal()
    """The panel was redrawn from the engine's current state."""

    connected = Signal(list)
    """A connection succeeded; carries the lines the engine announced."""

    connect_failed = Signal(str)
    """A connection was refused; carries the reason, already shown inline."""

    disconnected = Signal()
    """The engine disconnected; the list stays, syncing stops."""

    direction_changed = Signal(str)
    """The engine stored a new direction; carries its value."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._snapshot: _Snapshot | None = None
        self._loading = False
        self._stale = False
        self._choosing = False  # a direction change is with the engine
        self._syncing = False  # a sync this panel asked for
        self._engine_syncing = False  # any sync, as the engine reports it

        # Built top to bottom: creation order is the keyboard's tab order.
        connection = self._build_connection()
        self.form = ConnectionForm(ctx.simulator, self)
        self.direction_box = DirectionBox(self)
        self.sync_box = SyncBox(self)
        layout = QVBoxLayout(self)
        for box in (connection, self.form, self.direction_box, self.sync_box):
            layout.addWidget(box)
        layout.addStretch(1)
        self._expose_box_widgets()

        self.form.connect_requested.connect(self._on_form_connect_requested)
        self.direction_box.direction_requested.connect(self.choose_direction)
        self.sync_box.sync_requested.connect(self.sync_now)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._render)

        events = ctx.events
        for signal in (
            events.integration_changed,
            events.sync_finished,
            events.sync_failed,
            events.contacts_changed,
        ):
            signal.connect(self._on_events_changed)
        events.sync_started.connect(self._on_events_sync_started)
        events.sync_finished.connect(self._on_events_sync_ended)
        events.sync_failed.connect(self._on_events_sync_ended)
        events.direction_reset.connect(self._on_events_direction_reset)

        self._render()
        self.refresh()

    # -- building ----------------------------------------------------------------

    def _build_connection(self) -> QGroupBox:
        box = QGroupBox("HubSpot", self)
        self.state_label = QLabel(box)
        self.state_label.setStyleSheet("font-weight: bold;")
        self.url_label = QLabel(box)
        self.url_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.portal_label = QLabel(box)
        self.disconnect_button = QPushButton("Disconnect", box)
        self.disconnect_button.setToolTip(
            "Stop syncing; the status list and contacts are kept."
        )
        self.disconnect_button.clicked.connect(self.disconnect_hubspot)
        form = QFormLayout(box)
        form.addRow("State:", self.state_label)
        form.addRow("Address:", self.url_label)
        form.addRow("Portal:", self.portal_label)
        form.addRow("", left(self.disconnect_button))
        return box

    def _expose_box_widgets(self) -> None:
        """Keep the boxes' widgets reachable on the panel, as they always were.

        Tests and the QA demo click and read them here.
        """
        form, directions, sync = self.form, self.direction_box, self.sync_box
        self.simulator_radio = form.simulator_radio
        self.portal_radio = form.portal_radio
        self.url_edit = form.url_edit
        self.token_edit = form.token_edit
        self.connect_button = form.connect_button
        self.connection_error = form.connection_error
        self.connection_info = form.connection_info
        self.direction_radios = directions.direction_radios
        self.direction_note = directions.direction_note
        self.direction_reset_label = directions.direction_reset_label
        self.direction_error = directions.direction_error
        self.last_sync_label = sync.last_sync_label
        self.next_sync_label = sync.next_sync_label
        self.pending_label = sync.pending_label
        self.rejected_label = sync.rejected_label
        self.local_only_label = sync.local_only_label
        self.sync_button = sync.sync_button
        self.sync_error = sync.sync_error

    # -- public ------------------------------------------------------------------

    @property
    def integration(self) -> Integration | None:
        """The integration as last shown (None before the first load)."""
        return self._snapshot.integration if self._snapshot else None

    def refresh(self) -> None:
        """Reload from the engine now; a request during a load queues one more."""
        self._refresh_timer.stop()
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._stale = False
        self.ctx.tasks.run(
            self._load(),
            label="",
            on_done=self._on_load_done,
            on_error=self._on_load_failed,
        )

    def schedule_refresh(self) -> None:
        """Reload soon, once, however many changes arrive meanwhile."""
        self._refresh_timer.start()

    def submit_connection(self) -> None:
        """Connect to what the form names; the engine checks the token first."""
        self.form.submit()

    def disconnect_hubspot(self) -> None:
        """Stop syncing; Talk keeps the list and the contacts."""
        self.form.connection_error.hide()
        self.disconnect_button.setEnabled(False)
        self.ctx.tasks.run(
            self.ctx.engine.disconnect(),
            label="Disconnecting",
            on_done=self._on_disconnect_done,
            on_error=self._on_disconnect_failed,
        )

    def choose_direction(self, direction: Direction | str) -> None:
        """Ask the engine for a direction; a refusal is shown and nothing moves."""
        self.direction_box.hide_messages()
        self._choosing = True
        self.direction_box.set_choosable(False)
        self.ctx.tasks.run(
            self.ctx.engine.set_direction(direction),
            label="Changing the sync direction",
            on_done=lambda _: self._on_set_direction_done(direction),
            on_error=self._on_set_direction_failed,
        )

    def sync_now(self) -> None:
        """One sync cycle now, retrying pushes that were waiting out a backoff."""
        if self._syncing:
            return
        self.sync_box.sync_error.hide()
        self._syncing = True
        self._render_sync_button()
        self.ctx.tasks.run(
            self.ctx.engine.sync_once(retry_now=True),
            label="Sync",
            on_done=self._on_sync_done,
            on_error=self._on_sync_failed,
        )

    # -- loading and drawing -----------------------------------------------------

    async def _load(self) -> _Snapshot:
        engine = self.ctx.engine
        integration, counts, pending = await engine.sync_health()
        return _Snapshot(
            integration,
            engine.interval(integration),
            pending,
            counts.get("rejected", 0),
            counts.get("local_only", 0),
        )

    def _render(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            self.state_label.setText("Loading…")
            self.url_label.setText("—")
            self.portal_label.setText("—")
            self.sync_box.clear()
            self.disconnect_button.setEnabled(False)
            self.direction_box.set_choosable(False)
            self._render_sync_button()
            return

        integration = snapshot.integration
        self.state_label.setText(STATE_TEXT.get(integration.state, integration.state))
        url = integration.hubspot_url or "—"
        if integration.hubspot_url and self.form.is_simulator(integration.hubspot_url):
            url += " (built-in simulator)"
        self.url_label.setText(url)
        self.portal_label.setText(
            str(integration.portal_id) if integration.portal_id else "—"
        )
        checking = self.form.checking
        self.disconnect_button.setEnabled(integration.connected and not checking)
        self.form.render_button(integration.has_hubspot_list)

        if not self._choosing:  # the clicked choice stays until the engine answers
            self.direction_box.show_direction(integration.direction)
            self.direction_box.set_choosable(integration.connected)

        self.sync_box.render(
            integration,
            snapshot.interval,
            snapshot.pending,
            snapshot.rejected,
            snapshot.local_only,
        )
        self._render_sync_button()

    def _render_sync_button(self) -> None:
        integration = self.integration
        connected = integration is not None and integration.connected
        busy = self._syncing or self._engine_syncing
        self.sync_box.render_button(connected, busy)

    def _set_checking(self, checking: bool) -> None:
        self.form.set_checking(checking)
        self._render()

    # -- slots -------------------------------------------------------------------

    def _on_load_done(self, snapshot: _Snapshot) -> None:
        self._loading = False
        self._snapshot = snapshot
        self.direction_box.current = snapshot.integration.direction
        self.form.fill(snapshot.integration.hubspot_url)
        self._render()
        self.refreshed.emit()
        if self._stale and self.isVisible():
            self.schedule_refresh()

    def _on_load_failed(self, message: str) -> None:
        self._loading = False
        self.state_label.setText(f"Could not read the integration: {message}")

    def _on_events_changed(self, *_: object) -> None:
        # A hidden tab only notes that it is stale (a big sync sends many
        # changes); showing it reloads.
        if self.isVisible():
            self.schedule_refresh()
        else:
            self._stale = True

    def _on_events_sync_started(self) -> None:
        self._engine_syncing = True
        self._render_sync_button()

    def _on_events_sync_ended(self, *_: object) -> None:
        self._engine_syncing = False
        self._render_sync_button()

    def _on_events_direction_reset(self, message: str) -> None:
        self.direction_box.show_reset(message)

    def _on_form_connect_requested(self, url: str, token: str) -> None:
        self._set_checking(True)
        self.ctx.tasks.run(
            self.ctx.engine.connect(url, token),
            label="Connecting to HubSpot",
            on_done=self._on_connect_done,
            on_error=self._on_connect_failed,
        )

    def _on_connect_done(self, lines: list[str]) -> None:
        self._set_checking(False)
        self.form.show_connected(lines)
        self.connected.emit(lines)
        self.refresh()

    def _on_connect_failed(self, message: str) -> None:
        self._set_checking(False)
        self.form.show_error(f"Could not connect: {message}. Nothing was changed.")
        self.connect_failed.emit(message)

    def _on_disconnect_done(self, _: object) -> None:
        self.form.connection_info.hide()
        self.disconnected.emit()
        self.refresh()

    def _on_disconnect_failed(self, message: str) -> None:
        self.form.show_error(f"Could not disconnect: {message}")
        self._render()

    def _on_set_direction_done(self, direction: Direction | str) -> None:
        self._choosing = False
        self.direction_changed.emit(str(direction))
        self.refresh()

    def _on_set_direction_failed(self, message: str) -> None:
        self._choosing = False
        self.direction_box.show_error(f"Direction not changed: {message}")
        self._render()
        self.refresh()

    def _on_sync_done(self, _: object) -> None:
        self._syncing = self._engine_syncing = False
        self.refresh()

    def _on_sync_failed(self, message: str) -> None:
        # Not every failure reaches sync_failed, so this sync's end clears both.
        self._syncing = self._engine_syncing = False
        self.sync_box.show_error(f"Sync failed: {message}")
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._clock.start()
        if self._stale:
            self.schedule_refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        # No timers run for a hidden panel; showing it catches up.
        super().hideEvent(event)
        self._clock.stop()
        if self._refresh_timer.isActive():
            self._refresh_timer.stop()
            self._stale = True


__all__ = ["IntegrationView"]
