"""The portal's contacts: lead statuses changed on HubSpot's side.

An in-place edit is a ``CRM_UI`` change of one contact; "Set status on
selection" is one ``IMPORT`` that stamps every selected contact with the
same ``lastmodifieddate`` — the case that tests Talk's incremental sync.
Contacts are read through HubSpot's own API, so this tab feels the faults
it injects; the writes go through the simulator's QA import, which does not.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QModelIndex,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from talkapp.ui.hubspot_window.delegate import LeadStatusDelegate, fill_status_combo
from talkapp.ui.hubspot_window.models import (
    EMAIL,
    ID,
    MODIFIED,
    NAME,
    STATUS,
    ContactsModel,
    OptionsModel,
)
from talkapp.ui.hubspot_window.portal_client import (
    CRM_UI,
    IMPORT,
    MAX_IMPORT,
    ContactPage,
    ImportResult,
    PortalClient,
    PortalContact,
)
from talkapp.ui.hubspot_window.widgets import InlineMessage, alive
from talkapp.ui.tasks import TaskRunner

log = logging.getLogger("talkapp.ui.hubspot_window")

SEARCH_DELAY_MS = 350  # HubSpot's search allows 5 requests a second


class ContactsTab(QWidget):
    """The portal's contacts, searchable, with lead statuses editable."""

    page_loaded = Signal(int)  # rows now shown
    lead_status_saved = Signal(str, str)  # contact id, value
    imported = Signal(int)  # contacts changed by one bulk import
    visible_refreshed = Signal()

    def __init__(
        self,
        client: PortalClient,
        tasks: TaskRunner,
        options: OptionsModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.tasks = tasks
        self.options = options
        self.model = ContactsModel(self)
        self._query = ""
        self._total: int | None = None
        self._portal_size: int | None = None
        self._refreshing = False
        self._loading = False
        self._load_failed = False

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search name or email (HubSpot search)")
        self.search.setToolTip(
            "Runs HubSpot's search API: it sees writes only after the search lag, "
            "and allows 5 searches a second."
        )
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search portal contacts")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Read the first page and the options again")
        self.more_button = QPushButton("Load more", self)
        self.count = QLabel(self)
        self.count.setAccessibleName("Contacts loaded")

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Portal contacts")
        self.table.setItemDelegateForColumn(STATUS, LeadStatusDelegate(options, self))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((ID, 70), (NAME, 170), (EMAIL, 230), (STATUS, 190)):
            self.table.setColumnWidth(column, width)
        self.table.setColumnWidth(MODIFIED, 170)

        self.bulk_status = QComboBox(self)
        self.bulk_status.setAccessibleName("Status to import")
        self.bulk_apply = QPushButton("Apply", self)
        self.bulk_apply.setToolTip(
            "One HubSpot import: every selected contact gets this status "
            "and the same last-modified time"
        )
        self.message = InlineMessage(self)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.more_button)
        top.addWidget(self.count)
        bulk = QHBoxLayout()
        bulk.addWidget(QLabel("Set status on selection:", self))
        bulk.addWidget(self.bulk_status, 1)
        bulk.addWidget(self.bulk_apply)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bulk)
        layout.addWidget(self.message)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)

        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.more_button.clicked.connect(self.load_more)
        self.bulk_apply.clicked.connect(self.apply_to_selection)
        self.model.more_requested.connect(self._on_model_more_requested)
        self.model.lead_status_edited.connect(self._on_model_lead_status_edited)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.table.selectionModel().selectionChanged.connect(self._update_bulk)
        self.model.modelReset.connect(self._update_bulk)
        options.modelReset.connect(self._on_options_model_reset)
        self._on_options_model_reset()
        self._update_count()

    # -- loading -----------------------------------------------------------------

    def reload(self) -> None:
        """Start over from the first page (of the list, or of the search)."""
        self._search_timer.stop()
        self._query = self.search.text().strip()
        generation = self.model.start_over()
        query = self._query
        self._loading = True

        def show(page: ContactPage) -> None:
            if not alive(self) or generation != self.model.generation:
                return
            self._loading = self._load_failed = False
            self.message.clear_message("read")
            self._total = page.total
            self.model.set_page(page.contacts, page.after)
            self.page_loaded.emit(self.model.rowCount())

        def failed(message: str) -> None:
            if alive(self) and generation == self.model.generation:
                self._loading = False
                self._load_failed = True
                self.model.page_failed(generation)
                self.message.show_error(f"Could not read contacts — {message}", "read")

        self.tasks.run(
            self._page(query, None),
            label="Reading portal contacts",
            on_done=show,
            on_error=failed,
        )

    def load_more(self) -> None:
        self.model.resume()
        self.model.fetchMore(QModelIndex())

    def poll(self) -> None:
        """Keep the rows shown current; retry a first page that failed."""
        if self._load_failed:
            if not self._loading:
                self.reload()
            return
        self.refresh_visible()

    def refresh_visible(self) -> None:
        """Re-read the rows on screen; skipped while a status editor is open."""
        if self._refreshing or self._editing() or not self.model.rowCount():
            return
        ids = self._visible_ids()
        if not ids:
            return
        self._refreshing = True

        def show(contacts: list[PortalContact]) -> None:
            self._refreshing = False
            if not alive(self) or self._editing():
                return
            self.model.update_contacts(contacts)
            self.message.clear_message("read")
            self.visible_refreshed.emit()

        def failed(message: str) -> None:
            self._refreshing = False
            if alive(self):
                self.message.show_error(
                    f"Could not refresh the rows shown — {message}", "read"
                )

        self.tasks.run(
            self.client.read_contacts(ids),
            label="",
            on_done=show,
            on_error=failed,
        )

    def set_portal_size(self, contacts: int) -> None:
        self._portal_size = contacts
        self._update_count()

    # -- writing -----------------------------------------------------------------

    def apply_to_selection(self) -> None:
        """One import of the chosen status onto every selected contact."""
        ids = self.selected_ids()
        value = self.bulk_status.currentData() or ""
        if not ids:
            return
        if len(ids) > MAX_IMPORT:
            self.message.show_error(
                f"One import takes at most {MAX_IMPORT:,} contacts; "
                f"{len(ids):,} are selected."
            )
            return
        self.bulk_apply.setEnabled(False)

        def show(result: ImportResult) -> None:
            if not alive(self):
                return
            self._update_bulk()
            self.model.update_statuses(result.contacts)
            text = f"Imported {self.bulk_status.currentText()} onto "
            text += f"{len(result.contacts):,} contact(s)"
            if result.errors:
                self.message.show_error(
                    f"{text}; {len(result.errors)} refused: {result.errors[0]}"
                )
            else:
                self.message.show_note(f"{text}, all at one timestamp.")
            self.imported.emit(len(result.contacts))

        def failed(message: str) -> None:
            if alive(self):
                self._update_bulk()
                self.message.show_error(f"The import failed — {message}")

        self.tasks.run(
            self.client.import_lead_status(ids, value, source=IMPORT),
            label="Importing lead statuses",
            on_done=show,
            on_error=failed,
        )

    def selected_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [c.id for r in rows if (c := self.model.contact(r)) is not None]

    # -- slots -------------------------------------------------------------------

    def _on_model_more_requested(self, after: str) -> None:
        generation = self.model.generation

        def show(page: ContactPage) -> None:
            if alive(self) and self.model.append_page(
                page.contacts, page.after, generation
            ):
                self.page_loaded.emit(self.model.rowCount())

        def failed(message: str) -> None:
            if alive(self):
                self.model.page_failed(generation)
                self._update_count()
                self.message.show_error(
                    f"Could not read more contacts — {message}", "read"
                )

        self.tasks.run(
            self._page(self._query, after),
            label="Reading more portal contacts",
            on_done=show,
            on_error=failed,
        )

    def _on_model_lead_status_edited(self, contact_id: str, value: str) -> None:
        """An in-place edit: the portal's own UI changing one contact."""

        def show(result: ImportResult) -> None:
            if not alive(self):
                return
            confirmed = next((c for c in result.contacts if c.id == contact_id), None)
            self.model.settle(contact_id, confirmed)
            if result.errors or confirmed is None:
                reason = result.errors[0] if result.errors else "contact not found"
                self.message.show_error(f"HubSpot refused the change — {reason}")
                return
            self.lead_status_saved.emit(contact_id, value)

        def failed(message: str) -> None:
            if alive(self):
                self.model.settle(contact_id, None)
                self.message.show_error(f"The change was not saved — {message}")

        self.tasks.run(
            self.client.import_lead_status([contact_id], value, source=CRM_UI),
            label="Changing a lead status in HubSpot",
            on_done=show,
            on_error=failed,
        )

    def _on_options_model_reset(self) -> None:
        self.model.set_labels(self.options.options())
        fill_status_combo(self.bulk_status, self.options)

    # -- internals ---------------------------------------------------------------

    async def _page(self, query: str, after: str | None) -> ContactPage:
        if query:
            return await self.client.search_contacts(query, after)
        return await self.client.list_contacts(after)

    def _editing(self) -> bool:
        return self.table.state() == QAbstractItemView.State.EditingState

    def _visible_ids(self) -> list[str]:
        viewport = self.table.viewport()
        first = self.table.rowAt(0)
        last = self.table.rowAt(viewport.height() - 1)
        if first < 0:
            first = 0
        if last < 0:
            last = self.model.rowCount() - 1
        last = min(last, first + 99)  # one batch read
        return [
            c.id
            for r in range(first, last + 1)
            if (c := self.model.contact(r)) is not None
        ]

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        if self._query:
            total = f" of {self._total:,} matches" if self._total is not None else ""
            text = f"{shown:,}{total}"
        else:
            size = f" of {self._portal_size:,}" if self._portal_size is not None else ""
            text = f"{shown:,}{size} contacts"
        self.count.setText(text)
        self.more_button.setVisible(self.model.has_more)

    def _update_bulk(self) -> None:
        selected = len(self.table.selectionModel().selectedRows())
        self.bulk_apply.setEnabled(selected > 0)
        self.bulk_apply.setText(
            f"Apply to {selected:,} selected" if selected else "Apply"
        )
