"""The statuses view's rows: every status, then every unknown value.

The rows come from the same engine calls as ``talkapp statuses``, so the
view, its CSV export and the command line show the same facts. Whether a
status is locked or offered is the store's answer, copied here, never
worked out again.
"""

from __future__ import annotations

import csv
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from talkapp.store.models import Disposition, Integration, Source
from talkapp.sync.engine import SyncEngine
from talkapp.ui.icons import LOCK_NAME, lock_icon

Index = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2

LOCK, LABEL, VALUE, SOURCE, STATE, OFFERED, CONTACTS = range(7)
HEADERS = ("", "Label", "Value", "Source", "State", "Offered", "Contacts")
HEADER_NAMES = ("Locked", *HEADERS[1:])
MANAGED = "Managed in HubSpot"
UNKNOWN = "unknown"

CSV_COLUMNS = (
    "value",
    "label",
    "source",
    "locked",
    "hidden",
    "offered",
    "state",
    "display_order",
    "contacts",
)

STATE_TIPS = {
    "hidden": "Hidden in HubSpot: not offered; contacts that have it keep it.",
    "detached": (
        "Deleted in HubSpot: kept for the contacts that have it, no longer "
        "locked, not offered while connected."
    ),
    UNKNOWN: "No status has this value; the contacts keep it as it is.",
}
SOURCE_WORDS = {Source.HUBSPOT: "HubSpot", Source.TALK: "Talk", None: "—"}


@dataclass(frozen=True)
class StatusRow:
    """One line of the list: a status, or a contact value no status has."""

    value: str
    label: str
    source: Source | None  # None: an unknown value
    locked: bool
    hidden: bool
    offered: bool
    state: str  # the store's state (active, detached) or "unknown"
    display_order: int | None
    contacts: int

    @classmethod
    def of_status(cls, status: Disposition, offered: bool) -> StatusRow:
        return cls(
            status.value,
            status.label,
            status.source,
            status.locked,
            status.hidden,
            offered,
            status.state.value,
            status.display_order,
            status.contacts,
        )

    @classmethod
    def of_unknown(cls, raw: str, count: int) -> StatusRow:
        return cls(raw, "Unknown", None, False, False, False, UNKNOWN, None, count)

    @property
    def unknown(self) -> bool:
        return self.source is None

    @property
    def shown_state(self) -> str:
        """What a person reads: a hidden active status is just "hidden"."""
        return "hidden" if self.hidden and self.state == "active" else self.state

    def csv_record(self) -> list[str]:
        """The row as ``CSV_COLUMNS``, with the words ``talkapp statuses --json``
        uses (true/false, the store's state), so both exports agree."""
        return [
            self.value,
            self.label,
            self.source.value if self.source else "",
            _word(self.locked),
            _word(self.hidden),
            _word(self.offered),
            self.state,
            "" if self.display_order is None else str(self.display_order),
            str(self.contacts),
        ]


@dataclass(frozen=True)
class StatusSnapshot:
    """What the view shows at one moment: its rows and the connection."""

    rows: list[StatusRow]
    integration: Integration


async def load_snapshot(engine: SyncEngine) -> StatusSnapshot:
    """Read the list the way the command line does; runs on the store's thread."""
    statuses = await engine.statuses()
    offered = {status.value for status in await engine.offered()}
    unknown = await engine.unknown_values()
    rows = [StatusRow.of_status(s, s.value in offered) for s in statuses]
    rows += [StatusRow.of_unknown(raw, count) for raw, count in unknown]
    return StatusSnapshot(rows, await engine.integration())


def write_csv(path: str | Path, rows: list[StatusRow]) -> None:
    """Write ``rows`` to ``path`` all at once: a failure leaves no half file.

    Blocking; the view calls it on a worker thread.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(row.csv_record() for row in rows)
        # mkstemp makes the file private (0600); an export is meant to be shared.
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class StatusTableModel(QAbstractTableModel):
    """The rows as a table; ``row(n)`` gives the ``StatusRow`` itself.

    A refresh that only changes counts or labels updates rows in place, so
    the selection and scroll position survive a sync that refreshes the
    list several times a second. A refresh that adds, removes or reorders
    statuses resets the model.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StatusRow] = []
        self._italic: QFont | None = None

    # -- filling and looking up --------------------------------------------------

    def set_rows(self, rows: list[StatusRow]) -> bool:
        """Show ``rows``; returns whether the model was reset."""
        rows = list(rows)
        if [r.value for r in rows] != [r.value for r in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return True

        changed = [
            n
            for n, (old, new) in enumerate(zip(self._rows, rows, strict=True))
            if old != new
        ]
        self._rows = rows
        if changed:
            last = self.columnCount() - 1
            self.dataChanged.emit(
                self.index(changed[0], 0), self.index(changed[-1], last)
            )
        return False

    @property
    def rows(self) -> list[StatusRow]:
        return list(self._rows)

    def row(self, number: int) -> StatusRow | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def row_of(self, value: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.value == value:
                return number
        return None

    # -- Qt's model interface ----------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return HEADER_NAMES[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == LOCK:
            return f"Locked: {MANAGED}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return None if column == LOCK else _text(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _accessible_text(row, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return lock_icon() if column == LOCK and row.locked else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CONTACTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.unknown:
            return self._italic_font()
        if role == SortRole:
            return _sort_key(row, column)
        if role == RowRole:
            return row
        return None

    def _italic_font(self) -> QFont:
        if self._italic is None:
            self._italic = QFont()
            self._italic.setItalic(True)
        return self._italic


def _word(flag: bool) -> str:
    return "true" if flag else "false"


def _text(row: StatusRow, column: int) -> str:
    if column == LABEL:
        return row.label
    if column == VALUE:
        return row.value
    if column == SOURCE:
        return SOURCE_WORDS[row.source]
    if column == STATE:
        return row.shown_state
    if column == OFFERED:
        return "yes" if row.offered else "no"
    if column == CONTACTS:
        return f"{row.contacts:,}"
    return ""


def _accessible_text(row: StatusRow, column: int) -> str:
    if column == LOCK:
        return LOCK_NAME if row.locked else "Not locked"
    if column == LABEL and row.unknown:
        return f"Unknown value {row.value}"
    return _text(row, column)


def _tooltip(row: StatusRow, column: int) -> str | None:
    if column == LOCK:
        return MANAGED if row.locked else None
    if column == STATE:
        return STATE_TIPS.get(row.shown_state)
    if column == OFFERED:
        return "Agents can pick it" if row.offered else "Agents cannot pick it"
    return None


def _sort_key(row: StatusRow, column: int) -> Any:
    if column == LOCK:
        return int(row.locked)
    if column == CONTACTS:
        return row.contacts
    return _text(row, column).casefold()
