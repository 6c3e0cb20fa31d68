"""The sync log view: what the engine did, newest first, filterable and copyable.

It reads the latest entries through the engine and reloads itself (debounced)
when the engine reports a sync or a change, so a supervisor watching it sees
the log grow without pressing anything.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from talkapp.store.models import LogEntry
from talkapp.ui.context import UiContext
from talkapp.ui.log_model import (
    ENTRY_ROLE,
    EVENT,
    LEVEL,
    MESSAGE,
    TIME,
    SyncLogFilter,
    SyncLogModel,
    entry_text,
)

LIMIT = 1000
REFRESH_DELAY_MS = 500
ALL_LEVELS, WARNINGS_ONLY = 0, 1


class SyncLogView(QWidget):
    """The latest 1,000 sync log entries in a table with a text and level filter."""

    refreshed = Signal(int)
    """The log was reloaded; carries how many entries it now holds."""

    copied = Signal(int)
    """Selected rows went to the clipboard; carries how many."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loading = False
        self._stale = False

        self.model = SyncLogModel(self)
        self.proxy = SyncLogFilter(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by event or message")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter the sync log")
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)

        self.level_combo = QComboBox(self)
        self.level_combo.addItem("All levels", ALL_LEVELS)
        self.level_combo.addItem("Warnings and errors", WARNINGS_ONLY)
        self.level_combo.setAccessibleName("Level")
        self.level_combo.currentIndexChanged.connect(
            self._on_level_combo_current_index_changed
        )

        self.count_label = QLabel(self)
        self.count_label.setAccessibleName("Entries shown")
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()

        self.table = self._build_table()

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.level_combo)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        events = ctx.events
        for signal in (
            events.sync_finished,
            events.sync_failed,
            events.integration_changed,
            events.statuses_changed,
            events.contacts_changed,
        ):
            signal.connect(self._on_events_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        self._update_count()
        self.refresh()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.proxy)
        table.setAccessibleName("Sync log")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setSortingEnabled(False)  # the log reads newest first, always
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in (TIME, LEVEL, EVENT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(TIME, 150)
        table.setColumnWidth(LEVEL, 70)
        table.setColumnWidth(EVENT, 140)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)

        copy = QAction("&Copy", table)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy.triggered.connect(self.copy_selection)
        table.addAction(copy)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.copy_action = copy
        return table

    # -- public ------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the latest entries now; a request during a load queues one more."""
        self._refresh_timer.stop()
        if self._loading:
            self._stale = True
            return
        self._loading = True
        self._stale = False
        self.ctx.tasks.run(
            self.ctx.engine.sync_log(LIMIT),
            label="",
            on_done=self._on_load_done,
            on_error=self._on_load_failed,
        )

    def schedule_refresh(self) -> None:
        """Reload soon, once, however many changes arrive meanwhile."""
        self._refresh_timer.start()

    def selected_entries(self) -> list[LogEntry]:
        """The selected entries, in the order the table shows them."""
        rows = sorted(
            index.row() for index in self.table.selectionModel().selectedRows(MESSAGE)
        )
        return [self.proxy.index(row, 0).data(ENTRY_ROLE) for row in rows]

    def copy_selection(self) -> str:
        """Put the selected rows on the clipboard as tab-separated lines."""
        entries = self.selected_entries()
        if not entries:
            return ""
        text = "\n".join(entry_text(entry) for entry in entries)
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(len(entries))
        return text

    def select_rows(self, rows: list[int]) -> None:
        """Select these visible rows (keyboard users and tests)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = (
            QItemSelectionModel.SelectionFlag.Select
            | QItemSelectionModel.SelectionFlag.Rows
        )
        for row in rows:
            selection.select(self.proxy.index(row, 0), flags)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("sync_log/header", self.table.horizontalHeader().saveState())
        settings.setValue("sync_log/warnings_only", self.proxy.warnings_only)

    def restore_state(self, settings: QSettings) -> None:
        header = settings.value("sync_log/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
        warnings_only = settings.value("sync_log/warnings_only", False, type=bool)
        self.level_combo.setCurrentIndex(WARNINGS_ONLY if warnings_only else ALL_LEVELS)

    # -- slots -------------------------------------------------------------------

    def _on_events_changed(self, *_: object) -> None:
        # A hidden tab only notes that it is stale; showing it reloads.
        if self.isVisible():
            self.schedule_refresh()
        else:
            self._stale = True

    def _on_load_done(self, entries: list[LogEntry]) -> None:
        self._loading = False
        self.error_label.hide()
        self.model.set_entries(entries)
        self.refreshed.emit(len(entries))
        if self._stale and self.isVisible():
            self.schedule_refresh()

    def _on_load_failed(self, message: str) -> None:
        self._loading = False
        self.error_label.setText(f"Could not read the sync log: {message}")
        self.error_label.show()

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _on_level_combo_current_index_changed(self, _index: int) -> None:
        self.proxy.set_warnings_only(self.level_combo.currentData() == WARNINGS_ONLY)
        self._update_count()

    def _update_count(self, *_: object) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        limit = f" (the latest {LIMIT:,})" if total >= LIMIT else ""
        if shown == total:
            self.count_label.setText(f"{total:,} entries{limit}")
        else:
            self.count_label.setText(f"{shown:,} of {total:,} entries{limit}")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.schedule_refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        # No timers run for a hidden view; showing it catches up.
        super().hideEvent(event)
        if self._refresh_timer.isActive():
            self._refresh_timer.stop()
            self._stale = True


__all__ = ["SyncLogView"]
