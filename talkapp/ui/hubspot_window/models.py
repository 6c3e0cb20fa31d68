"""The portal window's models: contacts as the portal pages them, and the options.

Both hold plain snapshots of what the simulator last said. Edits do not
change them directly: ``setData`` announces the edit with a signal, the tab
sends it to the simulator, and the simulator's answer is what gets shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from talkapp.ui.hubspot_window.portal_client import LeadStatusOption, PortalContact

Index = QModelIndex | QPersistentModelIndex
ValueRole = Qt.ItemDataRole.UserRole + 1  # a contact's id, an option's value

ID, NAME, EMAIL, STATUS, MODIFIED = range(5)
CONTACT_HEADERS = ("ID", "Name", "Email", "Lead status", "Last modified")
LABEL, VALUE, HIDDEN = range(3)
OPTION_HEADERS = ("Label", "Internal value", "Hidden")

_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole


def status_text(value: str, labels: dict[str, str]) -> str:
    """A lead-status value as people read it; a value with no option shows raw."""
    if not value:
        return ""
    label = labels.get(value)
    return label if label is not None else f"Unknown ({value})"


class ContactsModel(QAbstractTableModel):
    """Contacts page by page; the view asks for the next page as it scrolls.

    ``fetchMore`` only asks (``more_requested``); the tab fetches and hands
    the page to ``append_page``. ``generation`` changes with every fresh
    start, so a page that arrives after a new search is dropped. After a
    failed page the model stops asking until something asks it again, so an
    offline portal is not hammered from the view's layout code.
    """

    more_requested = Signal(str)  # the paging cursor of the page wanted
    lead_status_edited = Signal(str, str)  # contact id, new value ("" clears)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._contacts: list[PortalContact] = []
        self._row_of: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._pending: dict[str, str] = {}  # edits sent, not yet confirmed
        self._after: str | None = None
        self._fetching = False
        self._paused = False
        self.generation = 0

    # -- Qt's model interface ----------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._contacts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CONTACT_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return CONTACT_HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == STATUS:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._contacts):
            return None
        contact = self._contacts[index.row()]
        column = index.column()
        pending = self._pending.get(contact.id)
        if role == _DISPLAY:
            return self._text(contact, column, pending)
        if role == _EDIT:
            if column == STATUS:
                return contact.lead_status if pending is None else pending
            return self._text(contact, column, pending)
        if role == ValueRole:
            return contact.id
        if role == Qt.ItemDataRole.ToolTipRole and column == STATUS:
            if pending is not None:
                return "Saving in the simulated portal…"
            if contact.lead_status and contact.lead_status not in self._labels:
                return f"{contact.lead_status} is no longer an option of Lead Status"
            return contact.lead_status or "No lead status"
        if role == Qt.ItemDataRole.FontRole and pending is not None:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        """An in-place edit of the lead status: announced, shown as pending."""
        if role != _EDIT or not index.isValid() or index.column() != STATUS:
            return False
        contact = self._contacts[index.row()]
        value = "" if value is None else str(value)
        if value == self._pending.get(contact.id, contact.lead_status):
            return False
        self._pending[contact.id] = value
        self.dataChanged.emit(index, index)
        self.lead_status_edited.emit(contact.id, value)
        return True

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and self._after is not None
            and not self._fetching
            and not self._paused
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True
            self.more_requested.emit(self._after)

    # -- filling -----------------------------------------------------------------

    def set_page(self, contacts: Sequence[PortalContact], after: str | None) -> None:
        """Start over with a first page (a refresh, a new search)."""
        self.beginResetModel()
        self.generation += 1
        self._contacts = list(contacts)
        self._row_of = {c.id: row for row, c in enumerate(self._contacts)}
        self._pending.clear()
        self._after = after
        self._fetching = self._paused = False
        self.endResetModel()

    def start_over(self) -> int:
        """Forget pages still on their way; return the new generation."""
        self.generation += 1
        self._fetching = False
        return self.generation

    def append_page(
        self, contacts: Sequence[PortalContact], after: str | None, generation: int
    ) -> bool:
        if generation != self.generation:
            return False
        fresh = [c for c in contacts if c.id not in self._row_of]
        self._fetching = False
        self._after = after
        if fresh:
            first = len(self._contacts)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for offset, contact in enumerate(fresh):
                self._row_of[contact.id] = first + offset
            self._contacts.extend(fresh)
            self.endInsertRows()
        return True

    def page_failed(self, generation: int) -> None:
        if generation == self.generation:
            self._fetching = False
            self._paused = True

    def resume(self) -> None:
        """Let the view ask for pages again (after a failure)."""
        self._paused = False

    def update_contacts(self, contacts: Iterable[PortalContact]) -> None:
        """Newer values for rows already shown; older answers are ignored."""
        for contact in contacts:
            row = self._row_of.get(contact.id)
            if row is None:
                continue
            current = self._contacts[row]
            if contact.modified_ms < current.modified_ms or contact == current:
                continue
            self._contacts[row] = contact
            self.dataChanged.emit(self.index(row, 0), self.index(row, MODIFIED))

    def update_statuses(self, contacts: Iterable[PortalContact]) -> None:
        """Take only the status and stamp: an import's answer carries no names."""
        full = []
        for contact in contacts:
            row = self._row_of.get(contact.id)
            if row is not None:
                full.append(
                    replace(
                        self._contacts[row],
                        lead_status=contact.lead_status,
                        modified_ms=contact.modified_ms,
                    )
                )
        self.update_contacts(full)

    def settle(self, contact_id: str, confirmed: PortalContact | None) -> None:
        """End a pending edit: show what the portal now holds, or the old value."""
        self._pending.pop(contact_id, None)
        row = self._row_of.get(contact_id)
        if row is None:
            return
        if confirmed is not None:
            self.update_statuses([confirmed])
        self.dataChanged.emit(self.index(row, 0), self.index(row, MODIFIED))

    def set_labels(self, options: Iterable[LeadStatusOption]) -> None:
        self._labels = {o.value: o.label for o in options}
        if self._contacts:
            last = len(self._contacts) - 1
            self.dataChanged.emit(self.index(0, STATUS), self.index(last, STATUS))

    # -- looking up --------------------------------------------------------------

    @property
    def has_more(self) -> bool:
        return self._after is not None

    def contact(self, row: int) -> PortalContact | None:
        return self._contacts[row] if 0 <= row < len(self._contacts) else None

    def row_of(self, contact_id: str) -> int | None:
        return self._row_of.get(contact_id)

    def pending(self) -> dict[str, str]:
        return dict(self._pending)

    # -- internals ---------------------------------------------------------------

    def _text(self, contact: PortalContact, column: int, pending: str | None) -> str:
        if column == ID:
            return contact.id
        if column == NAME:
            return contact.name
        if column == EMAIL:
            return contact.email
        if column == STATUS:
            value = contact.lead_status if pending is None else pending
            return status_text(value, self._labels)
        if not contact.modified_ms:
            return ""
        seconds, millis = divmod(contact.modified_ms, 1000)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))
        return f"{stamp}.{millis:03d}"


class OptionsModel(QAbstractTableModel):
    """The ``hs_lead_status`` options in HubSpot's order; labels edit in place."""

    label_edited = Signal(str, str)  # option value, new label

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._options: list[LeadStatusOption] = []
        self.loaded = False

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._options)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(OPTION_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if role != _DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return OPTION_HEADERS[section]
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == LABEL:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._options):
            return None
        option = self._options[index.row()]
        column = index.column()
        if role in (_DISPLAY, _EDIT):
            if column == LABEL:
                return option.label
            if column == VALUE:
                return option.value
            return "Hidden" if option.hidden else ""
        if role == ValueRole:
            return option.value
        if role == Qt.ItemDataRole.ForegroundRole and option.hidden:
            return Qt.GlobalColor.gray
        if role == Qt.ItemDataRole.ToolTipRole and column == HIDDEN and option.hidden:
            return "Hidden: not offered in HubSpot's pickers; contacts keep it."
        return None

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        """A rename typed in place: announced; the portal's answer is shown."""
        if role != _EDIT or not index.isValid() or index.column() != LABEL:
            return False
        option = self._options[index.row()]
        label = str(value or "").strip()
        if not label or label == option.label:
            return False
        self.label_edited.emit(option.value, label)
        return False  # nothing changed here yet

    def set_options(self, options: Sequence[LeadStatusOption]) -> None:
        """Show the portal's list; an unchanged list leaves views undisturbed."""
        self.loaded = True
        if list(options) == self._options:
            return
        self.beginResetModel()
        self._options = list(options)
        self.endResetModel()

    def options(self) -> list[LeadStatusOption]:
        return list(self._options)

    def option(self, row: int) -> LeadStatusOption | None:
        return self._options[row] if 0 <= row < len(self._options) else None

    def row_of(self, value: str) -> int | None:
        for row, option in enumerate(self._options):
            if option.value == value:
                return row
        return None
