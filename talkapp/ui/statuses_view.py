"""The supervisors' statuses view: the list, how contacts spread, export.

Every status shows its lock, label, internal value, source, state, whether
agents are offered it and how many contacts have it; contact values that
match no status are listed as unknown, never dropped. Admins edit Talk's
own dispositions here through an inline form; the engine decides what is
allowed and the view shows its answer.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from talkapp.store.models import Integration
from talkapp.sync.engine import Role
from talkapp.ui.banner import ERROR, INFO, Banner
from talkapp.ui.context import UiContext
from talkapp.ui.icons import lock_icon
from talkapp.ui.status_chart import StatusChart
from talkapp.ui.status_edit import ADD, REMOVE, RENAME, EditForm
from talkapp.ui.status_model import (
    LOCK,
    SortRole,
    StatusRow,
    StatusSnapshot,
    StatusTableModel,
    load_snapshot,
    write_csv,
)

log = logging.getLogger("talkapp.ui.statuses")

REFRESH_MS = 300  # contact changes arriving this close together cost one reload
CONNECTION_TEXT = {
    "connected": "HubSpot connected: its lead statuses are locked and kept in sync.",
    "disconnected": "HubSpot disconnected: the list is kept, locked, not syncing.",
    "never_connected": "HubSpot not connected: Talk's own dispositions are offered.",
}


class StatusesView(QWidget):
    """The status list with counts, a bar chart, CSV export and admin edits."""

    refreshed = Signal()  # the list and chart show the engine's latest data
    disposition_added = Signal(str)  # value
    disposition_renamed = Signal(str)  # value
    disposition_removed = Signal(str)  # value
    edit_refused = Signal(str)  # the engine's message
    exported = Signal(str)  # path
    export_failed = Signal(str)  # message

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loading = False
        self._dirty = False  # asked to refresh while a load was running
        self._stale = True  # data changed while the view was hidden
        self._select_after: str | None = None
        self._sized = False
        self._export_dir = str(Path.home())

        self.model = StatusTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = self._build_table()
        self.chart = StatusChart(self.model, self)
        chart_area = QScrollArea(self)
        chart_area.setWidget(self.chart)
        chart_area.setWidgetResizable(True)
        chart_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(chart_area)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([640, 420])  # room for every column of the table

        self.connection_icon = QLabel(self)
        self.connection_icon.setPixmap(lock_icon().pixmap(16, 16))
        self.connection = QLabel(self)
        self.connection.setAccessibleName("HubSpot connection")
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Status summary")
        self.summary.setToolTip(
            "Contacts with a status or an unknown value; contacts with none "
            "are not counted."
        )
        self.banner = Banner(self)
        self.editor = EditForm(self)

        self.add_action = self._action("Add…", "Ctrl+N", self.start_add)
        self.rename_action = self._action("Rename…", "F2", self.start_rename)
        self.remove_action = self._action("Remove", "Del", self.start_remove)
        self.add_button = self._button(self.add_action, "Add a Talk disposition")
        self.rename_button = self._button(self.rename_action, "Rename the selected one")
        self.remove_button = self._button(self.remove_action, "Remove the selected one")
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Save the list with its counts as a CSV file")

        top = QHBoxLayout()
        top.addWidget(self.connection_icon)
        top.addWidget(self.connection, 1)
        top.addWidget(self.summary)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addWidget(self.editor)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.table)
        chain = (
            self.table,
            self.add_button,
            self.rename_button,
            self.remove_button,
            self.export_button,
            self.editor.label_edit,
        )
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)

        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.editor.submitted.connect(self._on_editor_submitted)
        self.editor.cancelled.connect(self._on_editor_cancelled)
        self.table.selectionModel().selectionChanged.connect(
            self._on_table_selection_changed
        )
        self.proxy.modelReset.connect(self._update_controls)
        ctx.role_changed.connect(self._on_ctx_role_changed)
        events = ctx.events
        events.contacts_changed.connect(self._on_events_contacts_changed)
        events.statuses_changed.connect(self._on_events_statuses_changed)
        events.integration_changed.connect(self._on_events_integration_changed)
        self._update_controls()

    # -- reading -----------------------------------------------------------------

    def refresh(self) -> None:
        """Reload now; asks that arrive while a load runs become one more load."""
        self._stale = False
        self._refresh_timer.stop()
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self.ctx.tasks.run(
            load_snapshot(self.ctx.engine),
            on_done=self._on_load_done,
            on_error=self._on_load_failed,
        )

    @property
    def refresh_pending(self) -> bool:
        """Whether a reload is waiting or running (tests wait for it to clear)."""
        return self._refresh_timer.isActive() or self._loading or self._dirty

    def selected_row(self) -> StatusRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row(self.proxy.mapToSource(rows[0]).row())

    def select_value(self, value: str) -> bool:
        """Select the row of ``value`` (a status or an unknown value)."""
        row = self.model.row_of(value)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    # -- admin edits ---------------------------------------------------------------

    def start_add(self) -> None:
        """Open the add form; an unknown value selected is offered as the value."""
        row = self.selected_row()
        self.editor.open_form(ADD, None, row.value if row and row.unknown else "")

    def start_rename(self) -> None:
        row = self.selected_row()
        if row is not None and not row.unknown:
            self.editor.open_form(RENAME, row)

    def start_remove(self) -> None:
        row = self.selected_row()
        if row is not None and not row.unknown:
            self.editor.open_form(REMOVE, row)

    # -- export --------------------------------------------------------------------

    def export_csv(self, path: str) -> None:
        """Write the list (read fresh from the engine) to ``path``, off the GUI
        thread; ``exported`` or ``export_failed`` tell how it went."""
        self._export_dir = str(Path(path).parent)

        async def work() -> str | None:
            snapshot = await load_snapshot(self.ctx.engine)
            try:
                await asyncio.to_thread(write_csv, path, snapshot.rows)
            except OSError as error:
                return f"Could not export to {path}: {error.strerror or error}"
            return None

        def done(problem: str | None) -> None:
            if not isValid(self):
                return
            if problem:
                failed(problem)
                return
            log.info("exported the status list to %s", path)
            self.banner.show_message(f"Exported the statuses to {path}.", INFO)
            self.exported.emit(path)

        def failed(message: str) -> None:
            if not isValid(self):
                return
            self.banner.show_message(message, ERROR)
            self.export_failed.emit(message)

        self.ctx.tasks.run(
            work(), label="Export statuses", on_done=done, on_error=failed
        )

    # -- UI state --------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("statuses/header", self.table.horizontalHeader().saveState())
        settings.setValue("statuses/splitter", self.splitter.saveState())
        settings.setValue("statuses/export_dir", self._export_dir)

    def restore_state(self, settings: QSettings) -> None:
        header = settings.value("statuses/header")
        if isinstance(header, QByteArray):
            self._sized = self.table.horizontalHeader().restoreState(header)
        splitter = settings.value("statuses/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        folder = settings.value("statuses/export_dir")
        if isinstance(folder, str) and folder:
            self._export_dir = folder

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- slots -----------------------------------------------------------------------

    def _request_refresh(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # a hidden tab reloads when it is shown

    def _on_events_contacts_changed(self, contact_ids: list) -> None:
        # A big sync reports pages many times a second: the first change starts
        # the timer and the rest ride along, so the list reloads ~3 times a second.
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_refresh_timer_timeout(self) -> None:
        self._request_refresh()

    def _on_events_statuses_changed(self) -> None:
        self._request_refresh()

    def _on_events_integration_changed(self) -> None:
        self._request_refresh()

    def _on_load_done(self, snapshot: StatusSnapshot) -> None:
        if not isValid(self):
            return
        self._loading = False
        selected = self.selected_row()
        reset = self.model.set_rows(snapshot.rows)
        self._show_connection(snapshot.integration)
        self._show_summary(snapshot.rows)
        target = self._select_after or (selected.value if reset and selected else None)
        self._select_after = None
        if target:
            self.select_value(target)
        if not self._sized and snapshot.rows:
            self._sized = True
            self.table.resizeColumnsToContents()
        self._update_controls()
        self.refreshed.emit()
        if self._dirty:
            self._dirty = False
            self._request_refresh()

    def _on_load_failed(self, message: str) -> None:
        if not isValid(self):
            return
        self._loading = False
        self.banner.show_message(f"Could not read the statuses: {message}", ERROR)

    def _on_table_selection_changed(self, *_: object) -> None:
        self._update_controls()

    def _on_ctx_role_changed(self, role: str) -> None:
        if role != Role.ADMIN:
            self.editor.hide()
        self._update_controls()

    def _on_editor_cancelled(self) -> None:
        self.editor.hide()
        self.table.setFocus()

    def _on_editor_submitted(self) -> None:
        engine, role = self.ctx.engine, self.ctx.role
        mode, target = self.editor.mode, self.editor.target
        label = self.editor.label_edit.text()
        if mode == ADD:
            value = self.editor.value_edit.text().strip()
            work = engine.add_disposition(value, label, role)
            signal = self.disposition_added
        elif target is not None and mode == RENAME:
            value = target.value
            work = engine.rename_disposition(value, label, role)
            signal = self.disposition_renamed
        elif target is not None and mode == REMOVE:
            value = target.value
            work = engine.remove_disposition(value, role)
            signal = self.disposition_removed
        else:
            return

        def done(kept: int | None) -> None:
            if not isValid(self):
                return
            self.editor.hide()
            self.banner.show_message(_done_message(mode, value, label, kept), INFO)
            self._select_after = value
            self._request_refresh()
            self.table.setFocus()
            signal.emit(value)

        def refused(message: str) -> None:
            if not isValid(self):
                return
            self.editor.set_busy(False)
            if mode == REMOVE:
                self.editor.hide()
                self.table.setFocus()
            else:
                self.editor.label_edit.setFocus()  # to correct it, or Esc
            self.banner.show_message(_sentence(message), ERROR)
            self.edit_refused.emit(message)

        self.editor.set_busy(True)
        self.ctx.tasks.run(
            work, label=f"{mode.title()} disposition", on_done=done, on_error=refused
        )

    def _on_export_button_clicked(self) -> None:
        dialog = QFileDialog(
            self,
            "Export statuses as CSV",
            str(Path(self._export_dir) / "talk-statuses.csv"),
            "CSV files (*.csv)",
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.export_csv)
        dialog.open()  # never exec(): no nested event loop under qasync

    # -- helpers ---------------------------------------------------------------------

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.proxy)
        table.setAccessibleName("Statuses")
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        table.horizontalHeader().setSortIndicatorClearable(True)
        table.horizontalHeader().setStretchLastSection(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # Tab leaves the list for the buttons
        table.verticalHeader().hide()
        table.setColumnWidth(LOCK, 28)
        return table

    def _action(self, text: str, keys: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction, tip: str) -> QPushButton:
        button = QPushButton(action.text(), self)
        button.setToolTip(f"{tip} ({action.shortcut().toString()})")
        button.clicked.connect(action.trigger)
        return button

    def _update_controls(self) -> None:
        """Admins see the edit buttons; agents see none and the keys do nothing."""
        admin = self.ctx.role is Role.ADMIN
        row = self.selected_row()
        chosen = admin and row is not None and not row.unknown
        self.add_action.setEnabled(admin)
        self.rename_action.setEnabled(chosen)
        self.remove_action.setEnabled(chosen)
        for button, action in (
            (self.add_button, self.add_action),
            (self.rename_button, self.rename_action),
            (self.remove_button, self.remove_action),
        ):
            button.setVisible(admin)
            button.setEnabled(action.isEnabled())

    def _show_connection(self, integration: Integration) -> None:
        self.connection.setText(CONNECTION_TEXT.get(integration.state, ""))
        self.connection_icon.setVisible(integration.has_hubspot_list)

    def _show_summary(self, rows: list[StatusRow]) -> None:
        statuses = sum(1 for row in rows if not row.unknown)
        unknown = len(rows) - statuses
        total = sum(row.contacts for row in rows)
        parts = [f"{statuses} statuses", f"{total:,} contacts"]
        if unknown:
            parts.append(f"{unknown} unknown value{'s' if unknown > 1 else ''}")
        self.summary.setText(" · ".join(parts))


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else f"{message}."


def _done_message(mode: str, value: str, label: str, kept: int | None) -> str:
    label = " ".join(label.split())
    if mode == ADD:
        return f"Added “{label}” ({value})."
    if mode == RENAME:
        return f"Renamed {value} to “{label}”."
    if kept:
        return f"Removed {value}; its {kept:,} contacts keep it, shown as unknown."
    return f"Removed {value}."
