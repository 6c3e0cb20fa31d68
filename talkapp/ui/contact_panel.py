"""The contact panel: details, the locked disposition picker, the history."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from talkapp.store.models import Contact, Direction, Disposition, Integration, SyncState
from talkapp.ui.icons import SYNC_STATE_TEXT, sync_icon
from talkapp.ui.models import HistoryModel, OfferedModel, ValueRole

NO_CONTACT = "Pick a contact on the left (arrows, then Enter)."


class DispositionPicker(QListView):
    """The offered statuses; Enter, a click, or 1–9 picks one."""

    picked = Signal(str)

    def __init__(self, model: OfferedModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Disposition picker")
        self.setIconSize(QSize(16, 16))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.activated.connect(self._on_self_activated)

    def pick_number(self, number: int) -> bool:
        """Pick the ``number``-th offered status (1-based); False if none."""
        index = self.model().index(number - 1, 0)
        if not index.isValid():
            return False
        self.setCurrentIndex(index)
        self.picked.emit(index.data(ValueRole))
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and text != "0" and self.pick_number(int(text)):
            return
        super().keyPressEvent(event)

    def _on_self_activated(self, index: QModelIndex) -> None:
        self.picked.emit(index.data(ValueRole))


class ContactPanel(QWidget):
    """Shows one contact; ``disposition_requested`` asks to set its disposition."""

    disposition_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contact: Contact | None = None
        self._integration: Integration | None = None

        self.title = QLabel(NO_CONTACT, self)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.phone = QLabel(self)
        self.email = QLabel(self)
        self.hubspot_id = QLabel(self)
        for label in (self.phone, self.email, self.hubspot_id):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_icon = QLabel(self)
        self.sync_text = QLabel(self)
        self.sync_text.setWordWrap(True)
        self.mode_note = QLabel(self)
        self.mode_note.setWordWrap(True)
        self.mode_note.setObjectName("modeNote")

        self.offered = OfferedModel(self)
        self.picker = DispositionPicker(self.offered, self)
        self.picker.picked.connect(self._on_picker_picked)

        self.history = HistoryModel(self)
        self.history_view = QTableView(self)
        self.history_view.setModel(self.history)
        self.history_view.setAccessibleName("Disposition history")
        self.history_view.verticalHeader().hide()
        self.history_view.setWordWrap(False)
        self.history_view.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows
        )
        header = self.history_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        details = QFormLayout()
        details.addRow("Phone", self.phone)
        details.addRow("Email", self.email)
        details.addRow("HubSpot id", self.hubspot_id)
        sync_row = QWidget(self)
        sync_layout = QVBoxLayout(sync_row)
        sync_layout.setContentsMargins(0, 0, 0, 0)
        sync_layout.addWidget(self.sync_text)
        details.addRow(self.sync_icon, sync_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(details)
        layout.addWidget(QLabel("<b>Disposition</b> (1–9 or Enter to pick)", self))
        layout.addWidget(self.mode_note)
        layout.addWidget(self.picker, 2)
        layout.addWidget(QLabel("<b>History</b>", self))
        layout.addWidget(self.history_view, 3)
        self.show_contact(None)

    # -- filling -----------------------------------------------------------------

    def set_offered(self, statuses: list[Disposition]) -> None:
        self.offered.set_statuses(statuses)
        self._select_current()

    def set_integration(self, integration: Integration) -> None:
        self._integration = integration
        self._render_mode_note()

    def show_contact(self, contact: Contact | None) -> None:
        self.contact = contact
        enabled = contact is not None
        self.picker.setEnabled(enabled)
        if contact is None:
            self.title.setText(NO_CONTACT)
            for label in (self.phone, self.email, self.hubspot_id, self.sync_text):
                label.clear()
            self.sync_icon.clear()
            self.history.set_entries([], {})
            self._render_mode_note()
            return
        self.title.setText(contact.name or "(no name)")
        self.phone.setText(contact.phone)
        self.email.setText(contact.email)
        self.hubspot_id.setText(contact.hubspot_id or "not in HubSpot")
        self.sync_icon.setPixmap(sync_icon(contact.sync_state).pixmap(16, 16))
        text = SYNC_STATE_TEXT[contact.sync_state][1]
        if contact.sync_state is SyncState.REJECTED and contact.sync_error:
            text += f"\nHubSpot said: {contact.sync_error}"
        self.sync_text.setText(text)
        self._select_current()
        self._render_mode_note()

    def show_history(self, entries: list, labels: dict[str, str]) -> None:
        self.history.set_entries(entries, labels)
        self.history_view.scrollToBottom()

    def optimistic(self, value: str, state: SyncState) -> Contact | None:
        """The shown contact as it will be once the engine has stored ``value``."""
        if self.contact is None:
            return None
        return dataclasses.replace(
            self.contact, disposition=value, sync_state=state, sync_error=None
        )

    # -- internals ---------------------------------------------------------------

    def _select_current(self) -> None:
        row = self.offered.row_of(self.contact.disposition if self.contact else None)
        if row is None:
            self.picker.clearSelection()
        else:
            self.picker.setCurrentIndex(self.offered.index(row, 0))

    def _render_mode_note(self) -> None:
        integration = self._integration
        if integration is None or not integration.connected:
            note = "HubSpot is not connected: changes are kept in Talk."
        elif integration.direction is Direction.TWO_WAY:
            note = "Two-way sync: your change is sent to HubSpot."
        else:
            note = (
                "One-way sync (HubSpot → Talk): your change stays in Talk and is "
                "replaced by HubSpot's next change to this contact."
            )
        if self.contact and self.contact.sync_state is SyncState.PENDING:
            note += " Sending…"
        self.mode_note.setText(note)

    def _on_picker_picked(self, value: str) -> None:
        if self.contact is not None and value != self.contact.disposition:
            self.disposition_requested.emit(self.contact.id, value)
