"""The store's foundation: the connection, transactions, history and log rows.

The query groups (integration, dispositions, contacts, outbox) are mixins
over this base; ``SQLiteStore`` in ``sqlite.py`` puts them together.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from talkapp.store.models import (
    Contact,
    HistoryEntry,
    LogEntry,
    SyncState,
)
from talkapp.store.schema import migrate

_CONTACT_COLUMNS = (
    "id, hubspot_id, firstname, lastname, email, phone, disposition, sync_state,"
    " sync_error, disposition_at, hubspot_modified"
)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class StoreBase:
    """One SQLite connection (WAL) with the schema brought up to date."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if path != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA busy_timeout = 5000")
        migrate(self._db)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; everything in it lands or nothing does."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- history and log -------------------------------------------------------

    def history(self, contact_id: int) -> list[HistoryEntry]:
        rows = self._db.execute(
            "SELECT id, contact_id, at, event, old_value, new_value, actor, outcome"
            " FROM history WHERE contact_id = ? ORDER BY id",
            (contact_id,),
        ).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def sync_log(self, limit: int = 100) -> list[LogEntry]:
        rows = self._db.execute(
            "SELECT id, at, level, event, message, contact_id FROM sync_log"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [LogEntry(*row) for row in reversed(rows)]

    def _history(
        self,
        db: sqlite3.Connection,
        contact_id: int,
        at: int,
        event: str,
        old: str | None,
        new: str | None,
        actor: str,
        outcome: str,
    ) -> None:
        db.execute(
            "INSERT INTO history (contact_id, at, event, old_value, new_value, actor,"
            " outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (contact_id, at, event, old, new, actor, outcome),
        )

    def _log(
        self,
        db: sqlite3.Connection,
        at: int,
        level: str,
        event: str,
        message: str,
        contact_id: int | None = None,
    ) -> None:
        db.execute(
            "INSERT INTO sync_log (at, level, event, message, contact_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (at, level, event, message, contact_id),
        )


def _contact(row: tuple[Any, ...]) -> Contact:
    name = f"{row[2]} {row[3]}".strip()
    return Contact(
        id=row[0],
        hubspot_id=row[1],
        name=name,
        email=row[4],
        phone=row[5],
        disposition=row[6],
        sync_state=SyncState(row[7]),
        sync_error=row[8],
        disposition_at=row[9],
        hubspot_modified=row[10],
    )
