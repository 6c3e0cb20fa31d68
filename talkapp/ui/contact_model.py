"""The contact table's model: every contact, filtered and sorted in place.

At 100,000 contacts a ``QSortFilterProxyModel`` calls back into Python once
per row for every keystroke (and n·log n times per sort), which costs
hundreds of milliseconds in PySide. This model keeps a lower-cased search
key and a sort key per contact in plain lists, so filtering is one list
comprehension and sorting one ``list.sort`` — tens of milliseconds — and
the view only ever asks for the rows it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from talkapp.store.models import Contact, Disposition, SyncState
from talkapp.ui.icons import LOCK_NAME, SYNC_STATE_TEXT, lock_icon, sync_icon

ContactRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex

NAME, PHONE, EMAIL, DISPOSITION, SYNC = range(5)
HEADERS = ("Name", "Phone", "Email", "Disposition", "Sync")


@dataclass(frozen=True)
class Filter:
    text: str = ""
    disposition: str | None = None
    sync_state: SyncState | None = None

    def accepts(self, contact: Contact, key: str) -> bool:
        if self.text and self.text not in key:
            return False
        if self.disposition is not None and contact.disposition != self.disposition:
            return False
        return self.sync_state is None or contact.sync_state is self.sync_state


class ContactTableModel(QAbstractTableModel):
    """Contacts as table rows; ``contact(row)`` gives the row's Contact."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._contacts: list[Contact] = []
        self._keys: list[str] = []
        self._sort_keys: list[Any] = []
        self._where: dict[int, int] = {}  # contact id -> position in _contacts
        self._visible: list[int] = []  # positions, in display order
        self._labels: dict[str, Disposition] = {}
        self._filter = Filter()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    # -- Qt's model interface ----------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        contact = self._contacts[self._visible[index.row()]]
        column = index.column()
        if role == ContactRole:
            return contact
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(contact, column, role)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(contact, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(contact, column)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder):
        self._sort_column, self._sort_order = column, order
        self._sort_keys = [self._sort_key(c) for c in self._contacts]
        self.layoutAboutToBeChanged.emit()
        old = list(self._visible)
        self._order(self._visible)
        self._remap_persistent(old)
        self.layoutChanged.emit()

    # -- filling -----------------------------------------------------------------

    def set_statuses(self, statuses: Iterable[Disposition]) -> None:
        self._labels = {d.value: d for d in statuses}
        if self._sort_column == DISPOSITION:
            self._sort_keys = [self._sort_key(c) for c in self._contacts]
        if self._visible:
            self.dataChanged.emit(
                self.index(0, DISPOSITION), self.index(len(self._visible) - 1, SYNC)
            )

    def set_contacts(self, contacts: list[Contact]) -> None:
        self.beginResetModel()
        self._contacts = list(contacts)
        self._keys = [self._key(c) for c in self._contacts]
        self._sort_keys = [self._sort_key(c) for c in self._contacts]
        self._where = {c.id: i for i, c in enumerate(self._contacts)}
        self._visible = self._matching()
        self.endResetModel()

    def upsert(self, contacts: Iterable[Contact]) -> None:
        """Update known contacts in place and add new ones where they belong.

        Meant for batches (a page of a sync): rows that only change content
        get ``dataChanged``; new rows in id order are appended; anything
        that moves rows re-filters once for the whole batch.
        """
        fresh: list[int] = []
        moved = False
        row_of: dict[int, int] | None = None
        for contact in contacts:
            position = self._where.get(contact.id)
            if position is None:
                fresh.append(self._store(len(self._contacts), contact))
                continue
            self._store(position, contact)
            if row_of is None:
                row_of = {p: r for r, p in enumerate(self._visible)}
            row = row_of.get(position)
            accepted = self._filter.accepts(contact, self._keys[position])
            if row is not None and accepted:
                self.dataChanged.emit(self.index(row, 0), self.index(row, SYNC))
            elif (row is not None) != accepted:
                moved = True

        shown = [
            p for p in fresh if self._filter.accepts(self._contacts[p], self._keys[p])
        ]
        if moved or (shown and self._sort_column >= 0):
            self.layoutAboutToBeChanged.emit()
            old = list(self._visible)
            self._visible = self._matching()
            self._remap_persistent(old)
            self.layoutChanged.emit()
        elif shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()

    def set_filter(self, flt: Filter) -> None:
        flt = Filter(flt.text.strip().lower(), flt.disposition, flt.sync_state)
        if flt == self._filter:
            return
        self.beginResetModel()
        self._filter = flt
        self._visible = self._matching()
        self.endResetModel()

    # -- looking up --------------------------------------------------------------

    def contact(self, row: int) -> Contact | None:
        if 0 <= row < len(self._visible):
            return self._contacts[self._visible[row]]
        return None

    def row_of(self, contact_id: int) -> int | None:
        position = self._where.get(contact_id)
        if position is None:
            return None
        try:
            return self._visible.index(position)
        except ValueError:
            return None

    def total(self) -> int:
        return len(self._contacts)

    def label(self, value: str | None) -> str:
        if value is None:
            return ""
        status = self._labels.get(value)
        return status.label if status else f"Unknown ({value})"

    # -- internals ---------------------------------------------------------------

    def _text(self, contact: Contact, column: int, role: int) -> str:
        if column == NAME:
            return contact.name
        if column == PHONE:
            return contact.phone
        if column == EMAIL:
            return contact.email
        if column == DISPOSITION:
            text = self.label(contact.disposition)
            status = self._labels.get(contact.disposition or "")
            if role == Qt.ItemDataRole.AccessibleTextRole and status and status.locked:
                text += f" ({LOCK_NAME})"
            return text
        return SYNC_STATE_TEXT[contact.sync_state][0]

    def _decoration(self, contact: Contact, column: int) -> Any:
        if column == DISPOSITION:
            status = self._labels.get(contact.disposition or "")
            return lock_icon() if status and status.locked else None
        if column == SYNC:
            return sync_icon(contact.sync_state)
        return None

    def _tooltip(self, contact: Contact, column: int) -> str | None:
        if column == DISPOSITION:
            status = self._labels.get(contact.disposition or "")
            if status is None and contact.disposition:
                return (
                    f"“{contact.disposition}” matches no status in the list; "
                    "it is kept as it is."
                )
            return "Managed in HubSpot" if status and status.locked else None
        if column == SYNC:
            tip = SYNC_STATE_TEXT[contact.sync_state][1]
            if contact.sync_error:
                tip += f"\nHubSpot said: {contact.sync_error}"
            return tip
        return None

    def _key(self, contact: Contact) -> str:
        return f"{contact.name}\n{contact.phone}\n{contact.email}".lower()

    def _sort_key(self, contact: Contact) -> Any:
        column = self._sort_column
        if column == NAME:
            return (contact.name.lower(), contact.id)
        if column == PHONE:
            return (contact.phone, contact.id)
        if column == EMAIL:
            return (contact.email.lower(), contact.id)
        if column == DISPOSITION:
            return (self.label(contact.disposition).lower(), contact.id)
        if column == SYNC:
            return (contact.sync_state.value, contact.id)
        return (contact.id,)

    def _order(self, positions: list[int]) -> None:
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        positions.sort(key=self._sort_keys.__getitem__, reverse=descending)

    def _matching(self) -> list[int]:
        flt = self._filter
        keys = self._keys
        contacts = self._contacts
        if flt == Filter():
            visible = list(range(len(contacts)))
        elif flt.disposition is None and flt.sync_state is None:
            text = flt.text
            visible = [i for i, key in enumerate(keys) if text in key]
        else:
            visible = [i for i, c in enumerate(contacts) if flt.accepts(c, keys[i])]
        if self._sort_column >= 0:
            self._order(visible)
        return visible

    def _store(self, position: int, contact: Contact) -> int:
        if position == len(self._contacts):
            self._contacts.append(contact)
            self._keys.append(self._key(contact))
            self._sort_keys.append(self._sort_key(contact))
            self._where[contact.id] = position
        else:
            self._contacts[position] = contact
            self._keys[position] = self._key(contact)
            self._sort_keys[position] = self._sort_key(contact)
        return position

    def _remap_persistent(self, old: list[int]) -> None:
        new_row = {position: row for row, position in enumerate(self._visible)}
        for index in self.persistentIndexList():
            if index.row() < len(old):
                row = new_row.get(old[index.row()], -1)
                target = self.index(row, index.column()) if row >= 0 else QModelIndex()
                self.changePersistentIndex(index, target)
