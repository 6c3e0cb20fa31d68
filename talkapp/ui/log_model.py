"""The sync log as a Qt table: a model over ``LogEntry`` rows, and its filter.

Rows are kept newest first. A refresh that only brings newer lines inserts
them at the top and drops the oldest past the limit, so a supervisor's
selection and scroll position survive the auto-refresh.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from talkapp.store.models import LogEntry

COLUMNS = ("Time", "Level", "Event", "Message")
TIME, LEVEL, EVENT, MESSAGE = range(len(COLUMNS))

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

LEVEL_WORDS = {"DEBUG": "Debug", "INFO": "Info", "WARNING": "Warning", "ERROR": "Error"}
LEVEL_COLORS = {"WARNING": "#8a5a00", "ERROR": "#b00020", "CRITICAL": "#b00020"}
WARNING_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})

AnyIndex = QModelIndex | QPersistentModelIndex


def format_time(at_ms: int) -> str:
    """Local wall-clock time to the second: what a person compares with a clock."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at_ms / 1000))


def entry_text(entry: LogEntry) -> str:
    """One line per entry, tab-separated, for the clipboard and bug reports."""
    return "\t".join((format_time(entry.at), entry.level, entry.event, entry.message))


class SyncLogModel(QAbstractTableModel):
    """Read-only rows of the sync log, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[LogEntry] = []

    # -- reading -----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def entry(self, row: int) -> LogEntry:
        return self._entries[row]

    def entries(self) -> list[LogEntry]:
        return list(self._entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == MESSAGE:
            return entry.message
        if role == Qt.ItemDataRole.ForegroundRole and column == LEVEL:
            color = LEVEL_COLORS.get(entry.level)
            return QBrush(QColor(color)) if color else None
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    @staticmethod
    def _display(entry: LogEntry, column: int) -> str | None:
        if column == TIME:
            return format_time(entry.at)
        if column == LEVEL:
            return LEVEL_WORDS.get(entry.level, entry.level.title())
        if column == EVENT:
            return entry.event.replace("_", " ")
        if column == MESSAGE:
            return entry.message
        return None

    # -- updating ----------------------------------------------------------------

    def set_entries(self, entries: Sequence[LogEntry]) -> None:
        """Show ``entries`` (any order), newest first.

        When the new list is the old one with newer lines on top and the
        oldest cut off, only those rows are inserted and removed; anything
        else (a new database, say) resets the model.
        """
        fresh = sorted(entries, key=lambda e: e.id, reverse=True)
        if not self._entries or not fresh:
            self._reset(fresh)
            return

        newer = next(
            (i for i, e in enumerate(fresh) if e.id == self._entries[0].id), None
        )
        if newer is None:
            self._reset(fresh)
            return
        kept = fresh[newer:]
        if [e.id for e in kept] != [e.id for e in self._entries[: len(kept)]]:
            self._reset(fresh)
            return

        if len(kept) < len(self._entries):
            self.beginRemoveRows(QModelIndex(), len(kept), len(self._entries) - 1)
            del self._entries[len(kept) :]
            self.endRemoveRows()
        if newer:
            self.beginInsertRows(QModelIndex(), 0, newer - 1)
            self._entries[:0] = fresh[:newer]
            self.endInsertRows()

    def _reset(self, entries: list[LogEntry]) -> None:
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()


class SyncLogFilter(QSortFilterProxyModel):
    """Keeps rows whose event or message contains the text, at the chosen level."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._warnings_only = False

    @property
    def text(self) -> str:
        return self._text

    @property
    def warnings_only(self) -> bool:
        return self._warnings_only

    def set_text(self, text: str) -> None:
        folded = text.strip().casefold()
        if folded != self._text:
            self.beginFilterChange()
            self._text = folded
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_warnings_only(self, warnings_only: bool) -> None:
        if warnings_only != self._warnings_only:
            self.beginFilterChange()
            self._warnings_only = warnings_only
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        entry = model.index(source_row, 0, source_parent).data(ENTRY_ROLE)
        if not isinstance(entry, LogEntry):
            return False
        if self._warnings_only and entry.level not in WARNING_LEVELS:
            return False
        if not self._text:
            return True
        return (
            self._text in entry.message.casefold()
            or self._text in entry.event.casefold()
            or self._text in entry.event.replace("_", " ").casefold()
        )
