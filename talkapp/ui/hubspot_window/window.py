"""The HubSpot window: the simulated portal itself, beside the agent's window.

QA uses it to be "HubSpot": change a contact's lead status, import a status
onto many contacts at one timestamp, edit the option list, inject faults —
and watch Talk react in the main window. Everything goes through the
simulator's HTTP API (HubSpot's paths and ``/_simulator``), so it works the
same against the built-in simulator and one run with ``talkapp simulator``.
"""

from __future__ import annotations

import logging

import httpx
from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from talkapp.ui.hubspot_window.contacts_tab import ContactsTab
from talkapp.ui.hubspot_window.faults_tab import FaultsTab
from talkapp.ui.hubspot_window.models import OptionsModel
from talkapp.ui.hubspot_window.options_tab import OptionsTab
from talkapp.ui.hubspot_window.portal_client import FaultSettings, PortalClient
from talkapp.ui.hubspot_window.widgets import FaultsBar, PortalHeader, alive
from talkapp.ui.tasks import TaskRunner

log = logging.getLogger("talkapp.ui.hubspot_window")

POLL_MS = 2000
# The window's HubSpot reads share the token's rate limit with Talk. While a
# limit is lowered they happen only every SLOW_EVERY-th poll, so the window
# does not eat the budget QA is testing Talk against.
SLOW_EVERY = 5
LIMITED_TIP = (
    "This window's own reads count against the token's rate limit; while a "
    "limit is lowered it reads HubSpot only every 10 s."
)


class HubSpotWindow(QMainWindow):
    """The simulated portal: contacts, lead-status options and faults, in tabs."""

    def __init__(
        self,
        url: str,
        token: str,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.tasks = tasks
        self.client = PortalClient(url, token, transport=transport)
        self.setWindowTitle(f"HubSpot (simulator) — {url}")
        self.resize(1000, 640)

        self.options_model = OptionsModel(self)
        self.header = PortalHeader(url, self)
        self.faults_bar = FaultsBar(self)
        self.contacts_tab = ContactsTab(self.client, tasks, self.options_model, self)
        self.options_tab = OptionsTab(self.client, tasks, self.options_model, self)
        self.faults_tab = FaultsTab(self.client, tasks, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.contacts_tab, "&Contacts")
        self.tabs.addTab(self.options_tab, "&Lead statuses")
        self.tabs.addTab(self.faults_tab, "&Faults")

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.faults_bar)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self.poll)
        self._ticks = 0
        self._limited = False
        self._shown_before = False

        QShortcut(QKeySequence("F5"), self, self.reload)
        QShortcut(QKeySequence.StandardKey.Close, self, self.close)
        self.faults_bar.turn_off_requested.connect(self.faults_tab.turn_all_off)
        self.faults_tab.settings_read.connect(self._on_faults_tab_settings_read)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    @classmethod
    def open_for(
        cls, parent: QWidget, url: str, token: str, tasks: TaskRunner
    ) -> HubSpotWindow:
        """Raise the parent's window for ``url``, opening one if there is none."""
        window = next((w for w in parent.findChildren(cls) if w.url == url), None)
        if window is None:
            window = cls(url, token, tasks, parent)
            log.info("HubSpot window opened for %s", url)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    # -- reading the portal ------------------------------------------------------

    def reload(self) -> None:
        """Read everything again: first page of contacts, options, settings."""
        self.contacts_tab.reload()
        self.options_tab.reload()
        self.faults_tab.reload()

    def poll(self) -> None:
        """Keep up with changes made elsewhere (Talk, curl, another window)."""
        self._ticks += 1
        self.faults_tab.reload()  # the QA API: unlimited, unaffected by faults
        slow_tick = self._ticks % SLOW_EVERY == 0
        if self._limited and not slow_tick:
            return
        current = self.tabs.currentWidget()
        if current is self.contacts_tab:
            self.contacts_tab.poll()
        if current is self.options_tab or slow_tick:
            self.options_tab.reload()

    async def aclose(self) -> None:
        """Stop polling and close the HTTP client (tests, shutdown).

        Safe after Qt has deleted the window: only the client is Python's.
        """
        if alive(self):
            self.poll_timer.stop()
        await self.client.aclose()

    # -- slots -------------------------------------------------------------------

    def _on_faults_tab_settings_read(self, settings: FaultSettings, contacts: int):
        faults = settings.in_force()
        self.faults_bar.show_faults(faults)
        self._limited = bool(settings.lowered_limits())
        self.faults_bar.setToolTip(LIMITED_TIP if self._limited else "")
        self.contacts_tab.set_portal_size(contacts)

    def _on_tabs_current_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.options_tab:
            self.options_tab.reload()

    # -- Qt events ---------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if event.spontaneous():
            return
        if self._shown_before:
            self.poll()
        else:
            self._shown_before = True
            self.reload()
        self.poll_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        if not event.spontaneous():
            self.poll_timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing hides the window; its HTTP connections close until reopened."""
        self.poll_timer.stop()
        self.tasks.run(self.client.aclose(), label="")
        super().closeEvent(event)


__all__ = ["HubSpotWindow"]
