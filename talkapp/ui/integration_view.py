"""The HubSpot panel: connect, disconnect, direction, and how syncing is going.

Everything here asks the engine and shows its answer; the rules (the token is
checked before anything changes, a reconnect resets the direction, Talk →
HubSpot alone is refused) live in the engine. The panel only makes the
unsupported direction impossible to pick, and says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from talkapp.hubspot import DEFAULT_BASE_URL
from talkapp.store.models import DEFAULT_DIRECTION, Direction, Integration
from talkapp.ui.context import UiContext

REFRESH_DELAY_MS = 500
CLOCK_MS = 5000  # keeps "due now" honest between refreshes
UNSUPPORTED = Direction.TALK_TO_HUBSPOT
CHOICES = (Direction.HUBSPOT_TO_TALK, Direction.TWO_WAY, UNSUPPORTED)
CHOICE_TEXT = {
    Direction.HUBSPOT_TO_TALK: f"{Direction.HUBSPOT_TO_TALK.label} (default)",
    Direction.TWO_WAY: f"{Direction.TWO_WAY.label} (two-way)",
    UNSUPPORTED: f"{UNSUPPORTED.label}: not supported",
}
STATE_TEXT = {
    "never_connected": "Not connected yet",
    "connected": "Connected",
    "disconnected": "Disconnected: the status list is kept, locked, and not syncing",
}
RESET_NOTE = (
    f"Connecting or reconnecting always starts at {DEFAULT_DIRECTION.label}; "
    "turn two-way on again afterwards if you want it."
)
ERROR_STYLE = "color: #b00020;"


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
        self._checking = False
        self._choosing = False  # a direction change is with the engine
        self._syncing = False  # a sync this panel asked for
        self._engine_syncing = False  # any sync, as the engine reports it
        self._form_filled = False

        layout = QVBoxLayout(self)
        layout.addWidget(self._build_connection())
        layout.addWidget(self._build_form())
        layout.addWidget(self._build_direction())
        layout.addWidget(self._build_sync())
        layout.addStretch(1)

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
        form.addRow("", _left(self.disconnect_button))
        return box

    def _build_form(self) -> QGroupBox:
        box = QGroupBox("Connect", self)
        self.simulator_radio = QRadioButton("Built-in simulator", box)
        self.portal_radio = QRadioButton("HubSpot portal", box)
        self._target_group = QButtonGroup(box)
        self._target_group.addButton(self.simulator_radio)
        self._target_group.addButton(self.portal_radio)
        if self.ctx.simulator is None:
            self.simulator_radio.setEnabled(False)
            self.simulator_radio.setToolTip("This session has no built-in simulator.")
            self.portal_radio.setChecked(True)
        else:
            self.simulator_radio.setChecked(True)
        self.portal_radio.toggled.connect(self._on_portal_radio_toggled)

        self.url_edit = QLineEdit(DEFAULT_BASE_URL, box)
        self.url_edit.setAccessibleName("HubSpot API address")
        self.token_edit = QLineEdit(box)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Private app access token")
        self.token_edit.setAccessibleName("HubSpot access token")
        self.token_edit.returnPressed.connect(self.submit_connection)
        self.connect_button = QPushButton("Connect", box)
        self.connect_button.setToolTip(
            "The token is checked with HubSpot first; nothing changes if it fails."
        )
        self.connect_button.clicked.connect(self.submit_connection)
        self.connection_error = _message_label(box, error=True)
        self.connection_info = _message_label(box)

        targets = QHBoxLayout()
        targets.addWidget(self.simulator_radio)
        targets.addWidget(self.portal_radio)
        targets.addStretch(1)
        form = QFormLayout(box)
        form.addRow(targets)
        form.addRow("Address:", self.url_edit)
        form.addRow("Token:", self.token_edit)
        form.addRow("", _left(self.connect_button))
        form.addRow(self.connection_error)
        form.addRow(self.connection_info)
        self._on_portal_radio_toggled(self.portal_radio.isChecked())
        return box

    def _build_direction(self) -> QGroupBox:
        box = QGroupBox("Sync direction", self)
        layout = QVBoxLayout(box)
        self._direction_group = QButtonGroup(box)
        self.direction_radios: dict[Direction, QRadioButton] = {}
        for number, direction in enumerate(CHOICES):
            radio = QRadioButton(CHOICE_TEXT[direction], box)
            self._direction_group.addButton(radio, number)
            self.direction_radios[direction] = radio
            layout.addWidget(radio)
        unsupported = self.direction_radios[UNSUPPORTED]
        unsupported.setEnabled(False)
        unsupported.setToolTip(
            "Not supported: HubSpot stays the source of lead statuses, so Talk "
            "never sends changes without also receiving HubSpot's."
        )
        unsupported.toggled.connect(self._on_unsupported_radio_toggled)
        self._direction_group.idClicked.connect(self._on_direction_group_id_clicked)

        self.direction_note = QLabel(RESET_NOTE, box)
        self.direction_note.setWordWrap(True)
        self.direction_reset_label = _message_label(box)
        self.direction_reset_label.setStyleSheet("color: #6b4e00;")
        self.direction_error = _message_label(box, error=True)
        layout.addWidget(self.direction_note)
        layout.addWidget(self.direction_reset_label)
        layout.addWidget(self.direction_error)
        return box

    def _build_sync(self) -> QGroupBox:
        box = QGroupBox("Sync", self)
        self.last_sync_label = QLabel(box)
        self.last_sync_label.setWordWrap(True)
        self.next_sync_label = QLabel(box)
        self.pending_label = QLabel(box)
        self.rejected_label = QLabel(box)
        self.local_only_label = QLabel(box)
        self.sync_button = QPushButton("Sync now", box)
        self.sync_button.setToolTip("Sync now, including changes waiting to retry.")
        self.sync_button.clicked.connect(self.sync_now)
        self.sync_error = _message_label(box, error=True)
        form = QFormLayout(box)
        form.addRow("Last sync:", self.last_sync_label)
        form.addRow("Next sync:", self.next_sync_label)
        form.addRow("Pending pushes:", self.pending_label)
        form.addRow("Rejected pushes:", self.rejected_label)
        form.addRow("Local only:", self.local_only_label)
        form.addRow("", _left(self.sync_button))
        form.addRow(self.sync_error)
        return box

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
        if self._checking:
            return
        self.connection_error.hide()
        self.connection_info.hide()
        if self.simulator_radio.isChecked():
            url, token = self._simulator_url(), self._simulator_token()
            if url is None:
                self._show(
                    self.connection_error,
                    "The built-in simulator is still starting; try again in a moment.",
                )
                return
        else:
            url, token = self.url_edit.text().strip(), self.token_edit.text()
            problem = _url_problem(url)
            if problem:
                self._show(self.connection_error, problem)
                return

        self._set_checking(True)
        self.ctx.tasks.run(
            self.ctx.engine.connect(url, token),
            label="Connecting to HubSpot",
            on_done=self._on_connect_done,
            on_error=self._on_connect_failed,
        )

    def disconnect_hubspot(self) -> None:
        """Stop syncing; Talk keeps the list and the contacts."""
        self.connection_error.hide()
        self.disconnect_button.setEnabled(False)
        self.ctx.tasks.run(
            self.ctx.engine.disconnect(),
            label="Disconnecting",
            on_done=self._on_disconnect_done,
            on_error=self._on_disconnect_failed,
        )

    def choose_direction(self, direction: Direction | str) -> None:
        """Ask the engine for a direction; a refusal is shown and nothing moves."""
        self.direction_error.hide()
        self.direction_reset_label.hide()
        self._choosing = True
        self._set_directions_enabled(False)
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
        self.sync_error.hide()
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
        integration = await engine.integration()
        pending = await engine.store.outbox_size()
        counts = await engine.store.sync_state_counts()
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
            for label in (
                self.url_label,
                self.portal_label,
                self.last_sync_label,
                self.next_sync_label,
                self.pending_label,
                self.rejected_label,
                self.local_only_label,
            ):
                label.setText("—")
            self.disconnect_button.setEnabled(False)
            self._set_directions_enabled(False)
            self._render_sync_button()
            return

        integration = snapshot.integration
        self.state_label.setText(STATE_TEXT.get(integration.state, integration.state))
        url = integration.hubspot_url or "—"
        if integration.hubspot_url and self._is_simulator(integration.hubspot_url):
            url += " (built-in simulator)"
        self.url_label.setText(url)
        self.portal_label.setText(
            str(integration.portal_id) if integration.portal_id else "—"
        )
        self.disconnect_button.setEnabled(integration.connected and not self._checking)
        self.connect_button.setText(
            "Reconnect" if integration.has_hubspot_list else "Connect"
        )
        if self._checking:
            self.connect_button.setText("Checking…")

        if not self._choosing:  # the clicked choice stays until the engine answers
            self._show_direction(integration.direction)
            self._set_directions_enabled(integration.connected)

        self.last_sync_label.setText(_last_sync_text(integration))
        self.next_sync_label.setText(_next_sync_text(integration, snapshot.interval))
        self.pending_label.setText(f"{snapshot.pending:,}")
        self.rejected_label.setText(f"{snapshot.rejected:,}")
        self.rejected_label.setStyleSheet(ERROR_STYLE if snapshot.rejected else "")
        self.rejected_label.setToolTip(
            "HubSpot refused these values; open a contact to read HubSpot's message."
            if snapshot.rejected
            else ""
        )
        self.local_only_label.setText(f"{snapshot.local_only:,}")
        self._render_sync_button()

    def _render_sync_button(self) -> None:
        integration = self.integration
        connected = integration is not None and integration.connected
        busy = self._syncing or self._engine_syncing
        self.sync_button.setEnabled(connected and not busy)
        self.sync_button.setText("Syncing…" if busy else "Sync now")

    def _show_direction(self, direction: Direction) -> None:
        shown = direction if direction is not UNSUPPORTED else DEFAULT_DIRECTION
        self.direction_radios[shown].setChecked(True)

    def _set_directions_enabled(self, enabled: bool) -> None:
        for direction, radio in self.direction_radios.items():
            radio.setEnabled(enabled and direction is not UNSUPPORTED)
        tip = "" if enabled else "Connect to HubSpot to choose a direction."
        for direction in (Direction.HUBSPOT_TO_TALK, Direction.TWO_WAY):
            self.direction_radios[direction].setToolTip(tip)

    def _fill_form(self, integration: Integration) -> None:
        """Start the form at the current connection, once."""
        self._form_filled = True
        url = integration.hubspot_url
        if not url or self._is_simulator(url):
            return
        self.portal_radio.setChecked(True)
        self.url_edit.setText(url)

    def _set_checking(self, checking: bool) -> None:
        self._checking = checking
        for widget in (self.simulator_radio, self.portal_radio):
            widget.setEnabled(not checking)
        if self.ctx.simulator is None:
            self.simulator_radio.setEnabled(False)
        portal = self.portal_radio.isChecked()
        self.url_edit.setEnabled(portal and not checking)
        self.token_edit.setEnabled(portal and not checking)
        self.connect_button.setEnabled(not checking)
        self._render()

    def _simulator_url(self) -> str | None:
        simulator = self.ctx.simulator
        if simulator is None:
            return None
        try:
            return simulator.url
        except (AssertionError, AttributeError):
            # BuiltInSimulator.url asserts it is running; it starts after the
            # window appears, so a quick click can arrive first.
            return None

    def _simulator_token(self) -> str:
        return getattr(self.ctx.simulator, "token", "")

    def _is_simulator(self, url: str) -> bool:
        own = self._simulator_url()
        return own is not None and own.rstrip("/") == url.rstrip("/")

    @staticmethod
    def _show(label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    # -- slots -------------------------------------------------------------------

    def _on_load_done(self, snapshot: _Snapshot) -> None:
        self._loading = False
        self._snapshot = snapshot
        if not self._form_filled:
            self._fill_form(snapshot.integration)
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
        self._show(self.direction_reset_label, message)

    def _on_portal_radio_toggled(self, portal: bool) -> None:
        self.url_edit.setEnabled(portal)
        self.token_edit.setEnabled(portal)
        self.connection_error.hide()

    def _on_connect_done(self, lines: list[str]) -> None:
        self.token_edit.clear()
        self._set_checking(False)
        # The direction reset has its own note and banner; list the rest.
        news = [line for line in lines if "direction reset" not in line]
        text = "Connected." + "".join(f"\n{line}" for line in news[:3])
        if len(news) > 3:
            text += f"\n…and {len(news) - 3} more changes in the sync log."
        self._show(self.connection_info, text)
        self.connected.emit(lines)
        self.refresh()

    def _on_connect_failed(self, message: str) -> None:
        self._set_checking(False)
        self._show(
            self.connection_error,
            f"Could not connect: {message}. Nothing was changed.",
        )
        self.connect_failed.emit(message)

    def _on_disconnect_done(self, _: object) -> None:
        self.connection_info.hide()
        self.disconnected.emit()
        self.refresh()

    def _on_disconnect_failed(self, message: str) -> None:
        self._show(self.connection_error, f"Could not disconnect: {message}")
        self._render()

    def _on_direction_group_id_clicked(self, number: int) -> None:
        direction = CHOICES[number]
        current = self.integration.direction if self.integration else None
        if direction is not UNSUPPORTED and direction is not current:
            self.choose_direction(direction)

    def _on_unsupported_radio_toggled(self, checked: bool) -> None:
        # The radio is disabled, but code can still check it: put it back.
        if checked:
            integration = self.integration
            self._show_direction(
                integration.direction if integration else DEFAULT_DIRECTION
            )

    def _on_set_direction_done(self, direction: Direction | str) -> None:
        self._choosing = False
        self.direction_changed.emit(str(direction))
        self.refresh()

    def _on_set_direction_failed(self, message: str) -> None:
        self._choosing = False
        self._show(self.direction_error, f"Direction not changed: {message}")
        self._render()
        self.refresh()

    def _on_sync_done(self, _: object) -> None:
        self._syncing = self._engine_syncing = False
        self.refresh()

    def _on_sync_failed(self, message: str) -> None:
        # Not every failure reaches sync_failed, so this sync's end clears both.
        self._syncing = self._engine_syncing = False
        self._show(self.sync_error, f"Sync failed: {message}")
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


def _left(button: QPushButton) -> QHBoxLayout:
    """A button at its natural width, not stretched across the form."""
    row = QHBoxLayout()
    row.addWidget(button)
    row.addStretch(1)
    return row


def _message_label(parent: QWidget, *, error: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if error:
        label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def _url_problem(url: str) -> str | None:
    """Why an address cannot be a HubSpot API base, in words, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            "Enter the portal's API address, such as "
            f"{DEFAULT_BASE_URL} (http:// only for a simulator)."
        )
    return None


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


__all__ = ["IntegrationView"]
