"""The HubSpot panel's connection form: the built-in simulator, or a portal's
address and token.

The form checks only what it can see (the simulator is up, the address is a
URL), then asks through ``connect_requested``. The panel hands the ask to the
engine, which checks the token with HubSpot before anything changes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from talkapp.hubspot import DEFAULT_BASE_URL
from talkapp.ui.integration_parts import left, message_label, show_message
from talkapp.ui.simulator import BuiltInSimulator


class ConnectionForm(QGroupBox):
    """Where to connect and with which token, the Connect button, its messages."""

    connect_requested = Signal(str, str)
    """The user asked to connect; carries the API address and the token."""

    def __init__(
        self, simulator: BuiltInSimulator | None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Connect", parent)
        self._simulator = simulator
        self._filled = False
        self.checking = False  # the engine is checking a token; the form is locked

        self.simulator_radio = QRadioButton("Built-in simulator", self)
        self.portal_radio = QRadioButton("HubSpot portal", self)
        self._target_group = QButtonGroup(self)
        self._target_group.addButton(self.simulator_radio)
        self._target_group.addButton(self.portal_radio)
        if simulator is None:
            self.simulator_radio.setEnabled(False)
            self.simulator_radio.setToolTip("This session has no built-in simulator.")
            self.portal_radio.setChecked(True)
        else:
            self.simulator_radio.setChecked(True)
        self.portal_radio.toggled.connect(self._on_portal_radio_toggled)

        self.url_edit = QLineEdit(DEFAULT_BASE_URL, self)
        self.url_edit.setAccessibleName("HubSpot API address")
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Private app access token")
        self.token_edit.setAccessibleName("HubSpot access token")
        self.token_edit.returnPressed.connect(self.submit)
        self.connect_button = QPushButton("Connect", self)
        self.connect_button.setToolTip(
            "The token is checked with HubSpot first; nothing changes if it fails."
        )
        self.connect_button.clicked.connect(self.submit)
        self.connection_error = message_label(self, error=True)
        self.connection_info = message_label(self)

        targets = QHBoxLayout()
        targets.addWidget(self.simulator_radio)
        targets.addWidget(self.portal_radio)
        targets.addStretch(1)
        form = QFormLayout(self)
        form.addRow(targets)
        form.addRow("Address:", self.url_edit)
        form.addRow("Token:", self.token_edit)
        form.addRow("", left(self.connect_button))
        form.addRow(self.connection_error)
        form.addRow(self.connection_info)
        self._on_portal_radio_toggled(self.portal_radio.isChecked())

    def submit(self) -> None:
        """Ask to connect to what the form names, unless it cannot be right."""
        if self.checking:
            return
        self.connection_error.hide()
        self.connection_info.hide()
        if self.simulator_radio.isChecked():
            url, token = self._simulator_url(), self._simulator_token()
            if url is None:
                self.show_error(
                    "The built-in simulator is still starting; try again in a moment."
                )
                return
        else:
            url, token = self.url_edit.text().strip(), self.token_edit.text()
            problem = _url_problem(url)
            if problem:
                self.show_error(problem)
                return

        self.connect_requested.emit(url, token)

    def fill(self, url: str | None) -> None:
        """Start the form at the current connection, once."""
        if self._filled:
            return
        self._filled = True
        if not url or self.is_simulator(url):
            return
        self.portal_radio.setChecked(True)
        self.url_edit.setText(url)

    def set_checking(self, checking: bool) -> None:
        """Lock the form while the engine checks a token; unlock when it answers."""
        self.checking = checking
        for widget in (self.simulator_radio, self.portal_radio):
            widget.setEnabled(not checking)
        if self._simulator is None:
            self.simulator_radio.setEnabled(False)
        portal = self.portal_radio.isChecked()
        self.url_edit.setEnabled(portal and not checking)
        self.token_edit.setEnabled(portal and not checking)
        self.connect_button.setEnabled(not checking)

    def render_button(self, reconnect: bool) -> None:
        """Reconnect once Talk holds a list from HubSpot; Checking… meanwhile."""
        self.connect_button.setText("Reconnect" if reconnect else "Connect")
        if self.checking:
            self.connect_button.setText("Checking…")

    def show_connected(self, lines: list[str]) -> None:
        """Forget the token and list what the connection changed."""
        self.token_edit.clear()
        # The direction reset has its own note and banner; list the rest.
        news = [line for line in lines if "direction reset" not in line]
        text = "Connected." + "".join(f"\n{line}" for line in news[:3])
        if len(news) > 3:
            text += f"\n…and {len(news) - 3} more changes in the sync log."
        show_message(self.connection_info, text)

    def show_error(self, text: str) -> None:
        """Say under the form why connecting (or disconnecting) did not happen."""
        show_message(self.connection_error, text)

    def is_simulator(self, url: str) -> bool:
        """Whether ``url`` is this session's built-in simulator."""
        own = self._simulator_url()
        return own is not None and own.rstrip("/") == url.rstrip("/")

    def _simulator_url(self) -> str | None:
        simulator = self._simulator
        if simulator is None:
            return None
        try:
            return simulator.url
        except (AssertionError, AttributeError):
            # BuiltInSimulator.url asserts it is running; it starts after the
            # window appears, so a quick click can arrive first.
            return None

    def _simulator_token(self) -> str:
        return getattr(self._simulator, "token", "")

    def _on_portal_radio_toggled(self, portal: bool) -> None:
        self.url_edit.setEnabled(portal)
        self.token_edit.setEnabled(portal)
        self.connection_error.hide()


def _url_problem(url: str) -> str | None:
    """Why an address cannot be a HubSpot API base, in words, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (
            "Enter the portal's API address, such as "
            f"{DEFAULT_BASE_URL} (http:// only for a simulator)."
        )
    return None


__all__ = ["ConnectionForm"]
