"""Small models for the contact panel: the picker's statuses and the history."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from talkapp.store.models import Disposition, HistoryEntry
from talkapp.ui.icons import LOCK_NAME, lock_icon

Index = QModelIndex | QPersistentModelIndex
ValueRole = Qt.ItemDataRole.UserRole + 1
MANAGED = "Managed in HubSpot"

EVENT_WORDS = {
    "agent_set": "Set by an agent",
    "hubspot_changed": "Changed in HubSpot",
    "overwritten": "Replaced by HubSpot",
    "pushed": "Sent to HubSpot",
    "push_cancelled": "Not sent (cancelled)",
    "push_rejected": "Rejected by HubSpot",
    "conflict_lost": "HubSpot's newer change won",
}


class OfferedModel(QAbstractListModel):
    """The statuses an agent may pick, numbered 1–9 for the keyboard."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._statuses: list[Disposition] = []

    def set_statuses(self, statuses: list[Disposition]) -> None:
        self.beginResetModel()
        self._statuses = list(statuses)
        self.endResetModel()

    def status(self, row: int) -> Disposition | None:
        return self._statuses[row] if 0 <= row < len(self._statuses) else None

    def row_of(self, value: str | None) -> int | None:
        for row, status in enumerate(self._statuses):
            if status.value == value:
                return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._statuses)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._statuses):
            return None
        status = self._statuses[index.row()]
        number = index.row() + 1
        if role == Qt.ItemDataRole.DisplayRole:
            prefix = f"{number}  " if number <= 9 else "    "
            return f"{prefix}{status.label}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            lock = f", {LOCK_NAME}" if status.locked else ""
            return f"{status.label}{lock}"
        if role == Qt.ItemDataRole.DecorationRole:
            return lock_icon() if status.locked else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return MANAGED if status.locked else "A Talk disposition"
        if role == ValueRole:
            return status.value
        return None


class HistoryModel(QAbstractTableModel):
    """One contact's history, oldest first: what happened, by whom, outcome."""

    HEADERS = ("When", "What", "From", "To", "By", "Outcome")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []
        self._labels: dict[str, str] = {}

    def set_entries(self, entries: list[HistoryEntry], labels: dict[str, str]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self._labels = dict(labels)
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == (
            Qt.ItemDataRole.DisplayRole
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = index.column()
        if column == 0:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.at / 1000))
        if column == 1:
            return EVENT_WORDS.get(entry.event, entry.event)
        if column == 2:
            return self._label(entry.old_value)
        if column == 3:
            return self._label(entry.new_value)
        if column == 4:
            return entry.actor
        return entry.outcome

    def _label(self, value: str | None) -> str:
        if value is None:
            return ""
        return self._labels.get(value, f"Unknown ({value})")
