"""The main window: the views in tabs, a banner for news, a status summary."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from talkapp import __version__
from talkapp.store.models import Integration
from talkapp.sync.engine import NotConnectedError, Role
from talkapp.ui.banner import ERROR, INFO, WARNING, Banner
from talkapp.ui.contacts_view import ContactsView
from talkapp.ui.context import UiContext
from talkapp.ui.hubspot_window import HubSpotWindow
from talkapp.ui.integration_view import IntegrationView
from talkapp.ui.log_view import SyncLogView
from talkapp.ui.statuses_view import StatusesView

log = logging.getLogger("talkapp.ui.window")

VIEWS = ("Contacts", "Statuses", "HubSpot", "Sync log")
NO_SIMULATOR_TIP = (
    "Only when Talk runs its built-in HubSpot simulator (plain `talkapp`, "
    "without --no-simulator)"
)


class MainWindow(QMainWindow):
    """Agents' workspace, supervisors' lists and the HubSpot panel, in tabs."""

    closed = Signal()

    def __init__(self, ctx: UiContext, *, log_folder: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._log_folder = log_folder
        self.setWindowTitle("Talk")
        self.setMinimumSize(880, 560)

        self.banner = Banner(self)
        self.contacts_view = ContactsView(ctx, self)
        self.statuses_view = StatusesView(ctx, self)
        self.integration_view = IntegrationView(ctx, self)
        self.log_view = SyncLogView(ctx, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for view, title in zip(
            (
                self.contacts_view,
                self.statuses_view,
                self.integration_view,
                self.log_view,
            ),
            VIEWS,
            strict=True,
        ):
            self.tabs.addTab(view, title)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.summary = QLabel(self)
        self.summary.setAccessibleName("Sync status")
        self.statusBar().addPermanentWidget(self.summary, 1)
        self._integration: Integration | None = None
        self._problems = ""

        self._build_menus()
        self._connect_signals()
        self._summary_timer = QTimer(self)
        self._summary_timer.setInterval(15_000)  # keeps "last sync 12 s ago" fresh
        self._summary_timer.timeout.connect(self._render_summary)
        self._summary_timer.start()
        self.refresh_summary()

    # -- menus -------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        for number, title in enumerate(VIEWS):
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
            action.triggered.connect(lambda _=False, n=number: self.show_view(n))
            view_menu.addAction(action)

        sync_menu = self.menuBar().addMenu("&Sync")
        self.sync_now_action = QAction("Sync &now", self)
        self.sync_now_action.setShortcut(QKeySequence("F5"))
        self.sync_now_action.triggered.connect(self.sync_now)
        sync_menu.addAction(self.sync_now_action)

        simulator_menu = self.menuBar().addMenu("H&ubSpot simulator")
        simulator_menu.setToolTipsVisible(True)
        self.hubspot_window_action = QAction("&Open HubSpot window", self)
        self.hubspot_window_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.hubspot_window_action.triggered.connect(self.open_hubspot_window)
        if self.ctx.simulator is None:
            self.hubspot_window_action.setEnabled(False)
            self.hubspot_window_action.setToolTip(NO_SIMULATOR_TIP)
        simulator_menu.addAction(self.hubspot_window_action)

        role_menu = self.menuBar().addMenu("&Role")
        group = QActionGroup(self)
        self.role_actions: dict[Role, QAction] = {}
        for role, text in ((Role.AGENT, "&Agent"), (Role.ADMIN, "A&dmin")):
            action = QAction(text, self, checkable=True)
            action.setChecked(role is self.ctx.role)
            action.triggered.connect(lambda _=False, r=role: self.ctx.set_role(r))
            group.addAction(action)
            role_menu.addAction(action)
            self.role_actions[role] = action

        help_menu = self.menuBar().addMenu("&Help")
        logs_action = QAction("Open &log folder", self)
        logs_action.triggered.connect(self.open_log_folder)
        help_menu.addAction(logs_action)
        about = QAction("&About Talk", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _connect_signals(self) -> None:
        events = self.ctx.events
        events.direction_reset.connect(self._on_events_direction_reset)
        events.integration_changed.connect(self.refresh_summary)
        events.sync_finished.connect(self._on_events_sync_finished)
        events.sync_failed.connect(self._on_events_sync_failed)
        self.ctx.tasks.failed.connect(self._on_tasks_failed)
        self.ctx.role_changed.connect(self._on_ctx_role_changed)

    # -- actions -----------------------------------------------------------------

    def show_view(self, number: int) -> None:
        self.tabs.setCurrentIndex(number)
        self.tabs.currentWidget().setFocus()

    def sync_now(self) -> None:
        self.statusBar().showMessage("Syncing…", 3000)
        engine = self.ctx.engine

        async def sync() -> None:
            try:
                await engine.sync_once(retry_now=True)
            except NotConnectedError:
                raise  # refused before a sync started: nobody reported it yet
            except Exception:
                # Reported once already, through the engine's sync_failed.
                log.debug("Sync now failed; the banner shows it")

        self.ctx.tasks.run(sync(), label="Sync")

    def open_hubspot_window(self) -> None:
        """The simulated portal's own window, beside this one; one at a time."""
        simulator = self.ctx.simulator
        if simulator is None:
            return
        if simulator.server is None:
            self.banner.show_message(
                "The built-in HubSpot simulator is still starting.",
                INFO,
                timeout_ms=4000,
            )
            return
        HubSpotWindow.open_for(self, simulator.url, simulator.token, self.ctx.tasks)

    def open_log_folder(self) -> None:
        if self._log_folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._log_folder))

    def show_about(self) -> QMessageBox:
        """The version and the licence, both from the package's metadata (which
        the frozen app ships too); the full licence text is under Details."""
        from importlib import metadata
        from pathlib import Path

        licence, licence_text = "MIT", ""
        try:
            dist = metadata.distribution("talkapp")
        except metadata.PackageNotFoundError:  # a source tree never installed
            dist = None
        if dist is not None:
            licence = dist.metadata.get("License-Expression") or licence
            for name in dist.metadata.get_all("License-File") or []:
                # dist-info/licenses/ since metadata 2.4, dist-info/ before it
                text = dist.read_text(f"licenses/{name}") or dist.read_text(name)
                licence_text += text or ""
        # A source checkout (whose .egg-info holds no licence text) and the
        # frozen bundle keep LICENSE two folders above talkapp/ui/.
        beside = Path(__file__).resolve().parents[2] / "LICENSE"
        if not licence_text and beside.is_file():
            licence_text = beside.read_text(encoding="utf-8")
        box = QMessageBox(self)
        box.setWindowTitle("About Talk")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(
            f"<b>Talk</b> {__version__}<br>Contact dispositions synced with "
            f"HubSpot lead statuses.<br><br>Released under the {licence} licence."
        )
        if licence_text:  # unwrapped, so the details box can wrap it
            paragraphs = licence_text.strip().split("\n\n")
            box.setDetailedText("\n\n".join(" ".join(p.split()) for p in paragraphs))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # never exec(): no nested event loop under qasync
        return box

    # -- the status summary ------------------------------------------------------

    def refresh_summary(self) -> None:
        def show(result: tuple[Integration, dict[str, int], int]) -> None:
            integration, counts, _ = result
            self._integration = integration
            problems = []
            for state, word in (("pending", "pending"), ("rejected", "rejected")):
                if counts.get(state):
                    problems.append(f"{counts[state]:,} {word}")
            if integration.last_sync_ok is False and integration.last_error:
                problems.append(f"last sync failed: {integration.last_error}")
            self._problems = " · ".join(problems)
            self._render_summary()

        self.ctx.tasks.run(
            self.ctx.engine.sync_health(), on_done=show, on_error=lambda _: None
        )

    def _render_summary(self) -> None:
        integration = self._integration
        if integration is None:
            return
        state = {
            "connected": "Connected to HubSpot",
            "disconnected": "Disconnected (list kept, not syncing)",
            "never_connected": "Not connected",
        }[integration.state]
        parts = [state, f"Direction: {integration.direction.label}"]
        if integration.last_sync_at:
            parts.append(f"Last sync: {_ago(integration.last_sync_at)}")
        parts.append(f"Problems: {self._problems}" if self._problems else "No problems")
        self.summary.setText("  ·  ".join(parts))

    # -- slots -------------------------------------------------------------------

    def _on_events_direction_reset(self, message: str) -> None:
        self.banner.show_message(
            f"{message} Two-way sync has to be turned on again if you want it.",
            WARNING,
        )

    def _on_events_sync_finished(self, summary: object) -> None:
        self.refresh_summary()
        if self.banner.isVisible() and self.banner.text.startswith("Sync failed"):
            self.banner.show_message("Syncing works again.", INFO, timeout_ms=5000)

    def _on_events_sync_failed(self, message: str) -> None:
        self.refresh_summary()
        self.banner.show_message(f"Sync failed: {message}", ERROR)

    def _on_tasks_failed(self, label: str, message: str) -> None:
        prefix = f"{label} failed: " if label else ""
        self.banner.show_message(f"{prefix}{message}", ERROR)

    def _on_ctx_role_changed(self, role: str) -> None:
        self.role_actions[Role(role)].setChecked(True)
        self.banner.show_message(
            "Admin mode: Talk-owned dispositions can be edited."
            if role == Role.ADMIN
            else "Agent mode.",
            INFO,
            timeout_ms=4000,
        )

    # -- state -------------------------------------------------------------------

    def restore_state(self, settings: QSettings) -> None:
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        tab = settings.value("window/tab", 0, type=int)
        self.tabs.setCurrentIndex(tab if 0 <= tab < self.tabs.count() else 0)
        for view in self._views():
            restore = getattr(view, "restore_state", None)
            if restore is not None:
                restore(settings)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/tab", self.tabs.currentIndex())
        for view in self._views():
            save = getattr(view, "save_state", None)
            if save is not None:
                save(settings)

    def _views(self) -> list[QWidget]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)


def _ago(ms: int) -> str:
    seconds = max(0, int(time.time() - ms / 1000))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))
