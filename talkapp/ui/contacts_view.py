"""The agents' workspace: the contact table, its filters, the contact panel."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from talkapp.store.models import Contact, Direction, Disposition, Integration, SyncState
from talkapp.ui.contact_model import ContactTableModel, Filter
from talkapp.ui.contact_panel import ContactPanel
from talkapp.ui.context import UiContext
from talkapp.ui.icons import SYNC_STATE_TEXT, lock_icon, sync_icon
from talkapp.ui.memory import settle_long_lived

log = logging.getLogger("talkapp.ui.contacts")

# Contact changes are gathered before one fetch: briefly for a lone change
# (a webhook should show at once), and fetches stay 100 ms apart while
# changes keep coming (a sync), so the table is never re-read needlessly.
REFRESH_FIRST_MS = 10
REFRESH_BUSY_MS = 100
ANY = None


class ContactTable(QTableView):
    """The table; Enter opens the contact, 1–9 pick a disposition for it."""

    def __init__(self, view: ContactsView) -> None:
        super().__init__(view)
        self._view = view

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Arriving at the table with nothing chosen chooses the first row, so
        arrows and 1–9 work at once."""
        super().focusInEvent(event)
        if not self.selectionModel().hasSelection() and self.model().rowCount():
            self.selectRow(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._view.open_current()
            return
        text = event.text()
        if text.isdigit() and text != "0" and self._view.pick_number(int(text)):
            return
        super().keyPressEvent(event)


class ContactsView(QWidget):
    """Type to search, filter, pick a contact, set its disposition."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = ContactTableModel(self)
        self._labels: dict[str, str] = {}
        self._integration: Integration | None = None
        self._changed: set[int] = set()
        self.loaded = False

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search name, phone or email  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search contacts")
        self.disposition_filter = QComboBox(self)
        self.disposition_filter.setAccessibleName("Filter by disposition")
        self.sync_filter = QComboBox(self)
        self.sync_filter.setAccessibleName("Filter by sync state")
        self.sync_filter.addItem("Any sync state", ANY)
        for state in SyncState:
            self.sync_filter.addItem(
                sync_icon(state), SYNC_STATE_TEXT[state][0], state.value
            )
        self.count = QLabel(self)

        self.table = ContactTable(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Contacts")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 125, 215, 175)):
            self.table.setColumnWidth(column, width)

        self.panel = ContactPanel(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([780, 480])

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.disposition_filter, 1)
        bar.addWidget(self.sync_filter, 1)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.table)

        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._last_refresh = 0.0
        self._refresh.timeout.connect(self._on_refresh_timeout)

        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        self.search.textChanged.connect(self._apply_filter)
        self.search.returnPressed.connect(self.table.setFocus)
        self.disposition_filter.currentIndexChanged.connect(self._apply_filter)
        self.sync_filter.currentIndexChanged.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(
            self._on_table_selection_changed
        )
        self.table.doubleClicked.connect(lambda _: self.open_current())
        self.panel.disposition_requested.connect(self._on_panel_disposition_requested)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.rowsRemoved.connect(self._update_count)
        self.model.layoutChanged.connect(self._update_count)

        events = ctx.events
        events.contacts_changed.connect(self._on_events_contacts_changed)
        events.statuses_changed.connect(self.reload_statuses)
        events.integration_changed.connect(self.reload_statuses)
        self.reload()

    # -- loading -----------------------------------------------------------------

    def reload(self) -> None:
        """Load statuses and every contact (off the GUI thread)."""
        engine = self.ctx.engine

        async def load() -> tuple[
            list[Disposition], list[Disposition], Integration, list[Contact]
        ]:
            return (
                await engine.statuses(),
                await engine.offered(),
                await engine.integration(),
                await engine.contacts(),
            )

        def show(result: tuple) -> None:
            statuses, offered, integration, contacts = result
            self._show_statuses(statuses, offered, integration)
            started = time.perf_counter()
            self.model.set_contacts(contacts)
            settle_long_lived()
            self.loaded = True
            self._restore_selection()
            log.info(
                "%d contacts shown in %.0f ms",
                len(contacts),
                (time.perf_counter() - started) * 1000,
            )

        self.ctx.tasks.run(load(), label="Loading contacts", on_done=show)

    def reload_statuses(self) -> None:
        engine = self.ctx.engine

        async def load() -> tuple[list[Disposition], list[Disposition], Integration]:
            return (
                await engine.statuses(),
                await engine.offered(),
                (await engine.integration()),
            )

        self.ctx.tasks.run(
            load(),
            label="Loading statuses",
            on_done=lambda result: self._show_statuses(*result),
        )

    def _show_statuses(
        self,
        statuses: list[Disposition],
        offered: list[Disposition],
        integration: Integration,
    ) -> None:
        self._labels = {d.value: d.label for d in statuses}
        previous, self._integration = self._integration, integration
        self.model.set_statuses(statuses)
        self.panel.set_offered(offered)
        self.panel.set_integration(integration)

        current = self.disposition_filter.currentData()
        self.disposition_filter.blockSignals(True)
        self.disposition_filter.clear()
        self.disposition_filter.addItem("Any disposition", ANY)
        for status in statuses:
            if status.locked:
                self.disposition_filter.addItem(lock_icon(), status.label, status.value)
            else:
                self.disposition_filter.addItem(status.label, status.value)
        found = self.disposition_filter.findData(current)
        self.disposition_filter.setCurrentIndex(max(found, 0))
        self.disposition_filter.blockSignals(False)
        if found < 0 and current is not None:
            self._apply_filter()
        if previous is not None and previous.portal_id != integration.portal_id:
            self.reload()  # another portal: its own contacts, not the last one's

    # -- actions -----------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def open_current(self) -> None:
        """Enter on a contact: move to its disposition picker."""
        if self.panel.contact is not None:
            self.panel.picker.setFocus()

    def pick_number(self, number: int) -> bool:
        return self.panel.picker.pick_number(number)

    def set_disposition(self, contact_id: int, value: str) -> None:
        """Show the choice at once; the engine stores and (two-way) sends it."""
        integration = self._integration
        two_way = (
            integration is not None
            and integration.connected
            and integration.direction is Direction.TWO_WAY
        )
        contact = self.panel.contact
        state = SyncState.PENDING if two_way else SyncState.LOCAL_ONLY
        if contact is not None and contact.hubspot_id is None:
            state = SyncState.SYNCED
        preview = self.panel.optimistic(value, state)
        if preview is not None and preview.id == contact_id:
            self.model.upsert([preview])
            self.panel.show_contact(preview)

        self.ctx.tasks.run(
            self.ctx.engine.set_disposition(contact_id, value),
            label="Setting the disposition",
            on_error=lambda message: self._on_set_failed(contact_id, message),
        )

    # -- slots -------------------------------------------------------------------

    def _apply_filter(self) -> None:
        state = self.sync_filter.currentData()
        self.model.set_filter(
            Filter(
                self.search.text(),
                self.disposition_filter.currentData(),
                SyncState(state) if state else None,
            )
        )
        self._restore_selection()

    def _on_events_contacts_changed(self, ids: list[int]) -> None:
        self._changed.update(ids)
        if not self._refresh.isActive():
            since = (time.monotonic() - self._last_refresh) * 1000
            self._refresh.start(int(max(REFRESH_FIRST_MS, REFRESH_BUSY_MS - since)))

    def _on_refresh_timeout(self) -> None:
        self._last_refresh = time.monotonic()
        ids, self._changed = sorted(self._changed), set()
        if not ids:
            return
        current = self.panel.contact.id if self.panel.contact else None

        def show(contacts: list[Contact]) -> None:
            self.model.upsert(contacts)
            settle_long_lived()
            self._update_count()
            if current is not None and current in ids:
                fresh = next((c for c in contacts if c.id == current), None)
                if fresh is not None:
                    self.panel.show_contact(fresh)
                    self._load_history(current)

        self.ctx.tasks.run(self.ctx.engine.contacts_by_ids(ids), on_done=show)

    def _on_table_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        rows = self.table.selectionModel().selectedRows()
        contact = self.model.contact(rows[0].row()) if rows else None
        self.panel.show_contact(contact)
        if contact is not None:
            self._load_history(contact.id)

    def _on_panel_disposition_requested(self, contact_id: int, value: str) -> None:
        self.set_disposition(contact_id, value)

    def _on_set_failed(self, contact_id: int, message: str) -> None:
        self.ctx.tasks.failed.emit("Setting the disposition", message)
        self._on_events_contacts_changed([contact_id])

    def _load_history(self, contact_id: int) -> None:
        def show(entries: list) -> None:
            if self.panel.contact is not None and self.panel.contact.id == contact_id:
                self.panel.show_history(entries, self._labels)

        self.ctx.tasks.run(self.ctx.engine.history(contact_id), on_done=show)

    def _restore_selection(self) -> None:
        contact = self.panel.contact
        row = self.model.row_of(contact.id) if contact is not None else None
        if row is not None:
            self.table.selectRow(row)
        elif contact is not None:  # gone: another portal was connected
            self.table.clearSelection()
            self.panel.show_contact(None)

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        text = f"{total:,} contacts" if shown == total else f"{shown:,} of {total:,}"
        self.count.setText(text)

    # -- state -------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("contacts/splitter", self.splitter.saveState())
        settings.setValue("contacts/header", self.table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        splitter = settings.value("contacts/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        header = settings.value("contacts/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
