"""The SQLite store: every SQL statement Talk runs lives in this file.

Methods are synchronous and each write is one transaction, so a crash never
leaves half a change. ``AsyncStore`` (in ``async_store.py``) runs them on one
worker thread so the event loop, and the GUI thread with it, never waits on
the disk.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from talkapp.store.errors import RefusedError
from talkapp.store.models import (
    DEFAULT_DIRECTION,
    Contact,
    Direction,
    Disposition,
    DispositionState,
    HistoryEntry,
    Integration,
    LogEntry,
    OutboxItem,
    Source,
    SyncState,
)
from talkapp.store.schema import migrate

_CONTACT_COLUMNS = (
    "id, hubspot_id, firstname, lastname, email, phone, disposition, sync_state,"
    " sync_error, disposition_at, hubspot_modified"
)

_PROGRESS_COLUMNS = frozenset(
    {"cursor_ms", "cursor_id", "full_sync_after", "full_sync_started"}
)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class SQLiteStore:
    """Talk's local data in one SQLite file (WAL), schema-versioned."""

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

    # -- integration -----------------------------------------------------------

    def integration(self) -> Integration:
        row = self._db.execute(
            "SELECT state, hubspot_url, direction, portal_id, last_sync_at,"
            " last_sync_ok, last_error, cursor_ms, cursor_id, full_sync_after,"
            " full_sync_started FROM integration WHERE id = 1"
        ).fetchone()
        ok = None if row[5] is None else bool(row[5])
        return Integration(
            row[0], row[1], Direction(row[2]), row[3], row[4], ok, *row[6:]
        )

    def mark_connected(self, url: str, portal_id: int | None, at: int) -> list[int]:
        """Connect (or reconnect): direction back to the default, pushes cancelled.

        Returns the contacts whose queued pushes were cancelled.
        """
        with self.transaction() as db:
            before = self.integration()
            cancelled = self._cancel_outbox(db, at, "the integration was (re)connected")
            db.execute(
                "UPDATE integration SET state = 'connected', hubspot_url = ?,"
                " portal_id = ?, direction = ?, last_error = NULL WHERE id = 1",
                (url, portal_id, DEFAULT_DIRECTION.value),
            )
            if before.has_hubspot_list and before.hubspot_url != url:
                # Another portal: its contacts and cursors are not this one's.
                db.execute(
                    "UPDATE integration SET cursor_ms = NULL, cursor_id = NULL,"
                    " full_sync_after = NULL, full_sync_started = NULL WHERE id = 1"
                )
            verb = "reconnected" if before.has_hubspot_list else "connected"
            self._log(db, at, "INFO", "connected", f"HubSpot {verb} at {url}.")
            if before.has_hubspot_list or before.direction != DEFAULT_DIRECTION:
                self._log(
                    db,
                    at,
                    "WARNING",
                    "direction_reset",
                    f"Sync direction reset to {DEFAULT_DIRECTION.label} on {verb[:-2]}"
                    f" (was {before.direction.label}).",
                )
        return cancelled

    def move_endpoint(self, url: str) -> None:
        """The same portal answers at a new address (the built-in simulator's
        port changed): not a reconnect, so nothing resets."""
        with self.transaction() as db:
            db.execute("UPDATE integration SET hubspot_url = ? WHERE id = 1", (url,))
            self._log(
                db,
                now_ms(),
                "INFO",
                "endpoint_moved",
                f"The built-in HubSpot simulator now answers at {url}.",
            )

    def mark_disconnected(self, at: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE integration SET state = 'disconnected' WHERE id = 1")
            self._log(
                db,
                at,
                "INFO",
                "disconnected",
                "HubSpot disconnected; the status list is kept, locked, "
                "and is not syncing.",
            )

    def set_direction(self, direction: Direction, at: int) -> list[int]:
        """Store a supported direction; leaving two-way cancels queued pushes."""
        if direction is Direction.TALK_TO_HUBSPOT:
            raise RefusedError(
                "Talk → HubSpot alone is not supported; choose hubspot-to-aloware "
                "or two-way"
            )
        with self.transaction() as db:
            before = self.integration().direction
            cancelled: list[int] = []
            if before is Direction.TWO_WAY and direction is not Direction.TWO_WAY:
                cancelled = self._cancel_outbox(db, at, "two-way sync was turned off")
            db.execute(
                "UPDATE integration SET direction = ? WHERE id = 1", (direction.value,)
            )
            if before is not direction:
                self._log(
                    db,
                    at,
                    "INFO",
                    "direction_changed",
                    f"Sync direction set to {direction.label} (was {before.label}).",
                )
        return cancelled

    def record_sync(self, at: int, ok: bool, error: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE integration SET last_sync_at = ?, last_sync_ok = ?,"
                " last_error = ? WHERE id = 1",
                (at, int(ok), error),
            )

    def start_full_sync(self, at: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE integration SET full_sync_started = ?, full_sync_after = NULL"
                " WHERE id = 1",
                (at,),
            )

    def log(
        self,
        level: str,
        event: str,
        message: str,
        at: int | None = None,
        contact_id: int | None = None,
    ) -> None:
        with self.transaction() as db:
            self._log(db, at or now_ms(), level, event, message, contact_id)

    # -- dispositions ----------------------------------------------------------

    def dispositions(self) -> list[Disposition]:
        """Every disposition with its contact count, HubSpot's first, in order."""
        rows = self._db.execute(
            "SELECT d.value, d.label, d.source, d.hidden, d.state, d.display_order,"
            " (SELECT COUNT(*) FROM contacts c WHERE c.disposition = d.value)"
            " FROM dispositions d"
            " ORDER BY d.source = 'talk', d.state = 'detached', d.display_order,"
            " d.label"
        ).fetchall()
        return [
            Disposition(
                value,
                label,
                Source(source),
                bool(hidden),
                DispositionState(state),
                order,
                count,
            )
            for value, label, source, hidden, state, order, count in rows
        ]

    def unknown_values(self) -> list[tuple[str, int]]:
        """Contact values that match no disposition, with how many have each."""
        return self._db.execute(
            "SELECT disposition, COUNT(*) FROM contacts WHERE disposition IS NOT NULL"
            " AND disposition NOT IN (SELECT value FROM dispositions)"
            " GROUP BY disposition ORDER BY disposition"
        ).fetchall()

    def apply_status_options(
        self, options: list[tuple[str, str, int, bool]], at: int
    ) -> list[str]:
        """Make HubSpot's (value, label, order, hidden) list the locked list.

        Returns one line per change, already written to the sync log.
        """
        changes: list[str] = []
        with self.transaction() as db:
            current = {
                row[0]: row
                for row in db.execute(
                    "SELECT value, label, source, hidden, state, display_order"
                    " FROM dispositions WHERE source = 'hubspot'"
                )
            }
            seen = set()
            for value, label, order, hidden in options:
                seen.add(value)
                old = current.get(value)
                if old is None:
                    changes.append(
                        f"HubSpot added the lead status “{label}” ({value})."
                    )
                else:
                    changes += _describe_option_change(old, label, order, hidden)
                db.execute(
                    "INSERT INTO dispositions"
                    " (value, label, source, hidden, state, display_order)"
                    " VALUES (?, ?, 'hubspot', ?, 'active', ?)"
                    " ON CONFLICT (value) DO UPDATE SET label = excluded.label,"
                    " source = 'hubspot', hidden = excluded.hidden, state = 'active',"
                    " display_order = excluded.display_order",
                    (value, label, int(hidden), order),
                )
            for value, old in current.items():
                if value not in seen and old[4] == "active":
                    db.execute(
                        "UPDATE dispositions SET state = 'detached' WHERE value = ?",
                        (value,),
                    )
                    changes.append(
                        f"HubSpot deleted the lead status “{old[1]}” ({value}); it is "
                        "detached in Talk: contacts keep it, it is no longer locked "
                        "or offered."
                    )
            for line in changes:
                self._log(db, at, "INFO", "statuses_changed", line)
        return changes

    def add_disposition(self, value: str, label: str, at: int) -> None:
        with self.transaction() as db:
            existing = [d for d in self.dispositions() if d.value == value]
            if existing and existing[0].locked:
                raise RefusedError(
                    f"cannot add “{existing[0].label}” ({value}): it is managed "
                    "in HubSpot"
                )
            if existing:
                raise RefusedError(f"a disposition with the value {value!r} exists")
            order = db.execute(
                "SELECT COALESCE(MAX(display_order), -1) + 1 FROM dispositions"
                " WHERE source = 'talk'"
            ).fetchone()[0]
            db.execute(
                "INSERT INTO dispositions (value, label, source, display_order)"
                " VALUES (?, ?, 'talk', ?)",
                (value, label, order),
            )
            self._log(
                db,
                at,
                "INFO",
                "disposition_added",
                f"Admin added the disposition “{label}” ({value}).",
            )

    def rename_disposition(self, value: str, label: str, at: int) -> None:
        with self.transaction() as db:
            old = self._editable(db, value, "rename")
            db.execute(
                "UPDATE dispositions SET label = ? WHERE value = ?", (label, value)
            )
            self._log(
                db,
                at,
                "INFO",
                "disposition_renamed",
                f"Admin renamed the disposition “{old.label}” to “{label}”.",
            )

    def remove_disposition(self, value: str, at: int) -> int:
        """Remove an unlocked disposition; contacts keep the value (shown unknown)."""
        with self.transaction() as db:
            old = self._editable(db, value, "remove")
            db.execute("DELETE FROM dispositions WHERE value = ?", (value,))
            kept = db.execute(
                "SELECT COUNT(*) FROM contacts WHERE disposition = ?", (value,)
            ).fetchone()[0]
            self._log(
                db,
                at,
                "INFO",
                "disposition_removed",
                f"Admin removed the disposition “{old.label}” ({value}); "
                f"{kept} contacts keep the value.",
            )
        return kept

    def _editable(self, db: sqlite3.Connection, value: str, verb: str) -> Disposition:
        found = [d for d in self.dispositions() if d.value == value]
        if not found:
            raise RefusedError(f"no disposition with the value {value!r}")
        if found[0].locked:
            raise RefusedError(
                f"cannot {verb} “{found[0].label}”: it is managed in HubSpot"
            )
        return found[0]

    # -- contacts --------------------------------------------------------------

    def contact(self, contact_id: int) -> Contact | None:
        row = self._db.execute(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)
        ).fetchone()
        return _contact(row) if row else None

    def contacts(
        self, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Contact]:
        sql = f"SELECT {_CONTACT_COLUMNS} FROM contacts"
        params: list[Any] = []
        if search:
            sql += (
                " WHERE (firstname || ' ' || lastname) LIKE ? ESCAPE '\\'"
                " OR email LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\'"
            )
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%")
            pattern = pattern.replace("_", "\\_") + "%"
            params += [pattern] * 3
        sql += " ORDER BY id LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return [_contact(row) for row in self._db.execute(sql, params)]

    def contacts_by_ids(self, contact_ids: Iterable[int]) -> list[Contact]:
        ids = list(contact_ids)
        found: list[Contact] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += [
                _contact(row)
                for row in self._db.execute(
                    f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id IN ({marks})",
                    chunk,
                )
            ]
        return found

    def count_contacts(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]

    def sync_state_counts(self) -> dict[str, int]:
        return dict(
            self._db.execute(
                "SELECT sync_state, COUNT(*) FROM contacts GROUP BY sync_state"
            ).fetchall()
        )

    def hubspot_state(self, hubspot_ids: Iterable[str]) -> dict[str, tuple[Any, ...]]:
        """(row, hubspot_value, pending) for each known HubSpot id."""
        ids = list(hubspot_ids)
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT {_CONTACT_COLUMNS}, hubspot_value,"
                " EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = contacts.id)"
                f" FROM contacts WHERE hubspot_id IN ({marks})",
                chunk,
            ):
                found[row[1]] = (_contact(row[:11]), row[11], bool(row[12]))
        return found

    def apply_hubspot(
        self,
        records: list[Any],
        decide: Callable[..., Any],
        *,
        full: bool,
        at: int,
        progress: dict[str, Any] | None = None,
    ) -> list[int]:
        """Apply pulled HubSpot contacts and move the cursors, in one transaction.

        ``decide`` is ``sync.rules.on_hubspot_record``; it says what each
        record does. ``progress`` sets integration cursors (``cursor_ms``,
        ``cursor_id``, ``full_sync_after``, ``full_sync_started``) in the same
        transaction, so a crash never separates data from its cursor.
        Returns the ids of contacts whose row changed.
        """
        from talkapp.sync.rules import Action  # the store only runs the verdicts

        changed: list[int] = []
        with self.transaction() as db:
            known = self.hubspot_state(r.hubspot_id for r in records)
            for record in records:
                row, hubspot_value, pending = known.get(record.hubspot_id, (None,) * 3)
                action = decide(row, hubspot_value, record, pending=pending, full=full)
                if action is Action.STALE:
                    continue
                if action is Action.INSERT:
                    if not record.fields_known:
                        continue  # a webhook for a contact the next poll brings
                    cursor_row = db.execute(
                        "INSERT INTO contacts (hubspot_id, firstname, lastname, email,"
                        " phone, disposition, disposition_at, hubspot_value,"
                        " hubspot_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            record.hubspot_id,
                            record.firstname,
                            record.lastname,
                            record.email,
                            record.phone,
                            record.value,
                            record.modified,
                            record.value,
                            record.modified,
                        ),
                    )
                    changed.append(cursor_row.lastrowid)
                    continue
                incoming_fields = (
                    f"{record.firstname} {record.lastname}".strip(),
                    record.email,
                    record.phone,
                )
                fields_changed = record.fields_known and incoming_fields != (
                    row.name,
                    row.email,
                    row.phone,
                )
                if fields_changed:
                    db.execute(
                        "UPDATE contacts SET firstname = ?, lastname = ?, email = ?,"
                        " phone = ? WHERE id = ?",
                        (
                            record.firstname,
                            record.lastname,
                            record.email,
                            record.phone,
                            row.id,
                        ),
                    )
                if action is Action.DEFER:
                    if fields_changed:
                        changed.append(row.id)
                    continue
                db.execute(
                    "UPDATE contacts SET hubspot_value = ?, hubspot_modified = ?"
                    " WHERE id = ?",
                    (record.value, record.modified, row.id),
                )
                if action in (Action.APPLY, Action.OVERWRITE):
                    self._take_hubspot_value(
                        db,
                        row,
                        record.value,
                        record.modified,
                        at,
                        overwrite=action is Action.OVERWRITE,
                    )
                elif (
                    row.sync_state is SyncState.LOCAL_ONLY
                    and row.disposition == record.value
                ):
                    db.execute(
                        "UPDATE contacts SET sync_state = 'synced',"
                        " sync_error = NULL WHERE id = ?",
                        (row.id,),
                    )
                elif not fields_changed:
                    continue
                changed.append(row.id)
            if progress:
                self._set_progress(db, progress)
        return changed

    def _set_progress(self, db: sqlite3.Connection, progress: dict[str, Any]) -> None:
        unknown = set(progress) - _PROGRESS_COLUMNS
        if unknown:
            raise ValueError(f"not a sync cursor: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = ?" for column in progress)
        db.execute(
            f"UPDATE integration SET {assignments} WHERE id = 1",
            list(progress.values()),
        )

    def _take_hubspot_value(
        self,
        db: sqlite3.Connection,
        row: Contact,
        value: str | None,
        modified: int,
        at: int,
        *,
        overwrite: bool,
    ) -> None:
        db.execute(
            "UPDATE contacts SET disposition = ?, disposition_at = ?,"
            " sync_state = 'synced', sync_error = NULL WHERE id = ?",
            (value, modified, row.id),
        )
        if overwrite:
            self._history(
                db,
                row.id,
                at,
                "overwritten",
                row.disposition,
                value,
                "HubSpot",
                f"Talk-only value “{row.disposition}” replaced by HubSpot's “{value}”",
            )
            self._log(
                db,
                at,
                "INFO",
                "local_overwritten",
                f"HubSpot's lead status “{value}” replaced the Talk-only "
                f"disposition “{row.disposition}” on contact {row.id}.",
                row.id,
            )
        else:
            self._history(
                db,
                row.id,
                at,
                "hubspot_changed",
                row.disposition,
                value,
                "HubSpot",
                "Lead status changed in HubSpot",
            )

    def set_disposition(
        self,
        contact_id: int,
        value: str,
        direction: Direction,
        connected: bool,
        at: int,
    ) -> Contact:
        """An agent's choice: stored, and queued for HubSpot in two-way mode.

        The outbox row is written in the same transaction as the contact, so
        the change is never stored without its push, nor pushed unstored.
        """
        with self.transaction() as db:
            row = self.contact(contact_id)
            if row is None:
                raise RefusedError(f"no contact with id {contact_id}")
            offered = {d.value for d in self.offered(self.integration())}
            if value not in offered:
                raise RefusedError(f"{value!r} is not one of the offered dispositions")
            push = connected and direction is Direction.TWO_WAY and row.hubspot_id
            hubspot_value, queued = db.execute(
                "SELECT hubspot_value, (SELECT value FROM outbox WHERE contact_id = ?)"
                " FROM contacts WHERE id = ?",
                (contact_id, contact_id),
            ).fetchone()
            if push:
                state = SyncState.PENDING
            elif row.hubspot_id and value != hubspot_value:
                state = SyncState.LOCAL_ONLY
            else:
                state = SyncState.SYNCED
            db.execute(
                "UPDATE contacts SET disposition = ?, disposition_at = ?,"
                " sync_state = ?, sync_error = NULL WHERE id = ?",
                (value, at, state.value, contact_id),
            )
            if push:
                db.execute(
                    "INSERT INTO outbox (contact_id, value, queued_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (contact_id) DO UPDATE SET value = excluded.value,"
                    " queued_at = excluded.queued_at, attempts = 0,"
                    " next_attempt_at = 0",
                    (contact_id, value, at),
                )
                outcome = "Queued for HubSpot (two-way sync)"
                if queued is not None and queued != value:
                    outcome += f"; replaces the unsent “{queued}”"
            elif state is SyncState.LOCAL_ONLY:
                outcome = (
                    "Kept in Talk only (one-way sync); HubSpot's next change "
                    "replaces it"
                )
            else:
                outcome = "Saved"
            self._history(
                db,
                contact_id,
                at,
                "agent_set",
                row.disposition,
                value,
                "agent",
                outcome,
            )
        return self.contact(contact_id)  # type: ignore[return-value]

    def offered(self, integration: Integration) -> list[Disposition]:
        """The picker's list: HubSpot's visible statuses once a list exists."""
        if integration.has_hubspot_list:
            return [d for d in self.dispositions() if d.locked and not d.hidden]
        return [d for d in self.dispositions() if d.source is Source.TALK]

    # -- outbox ----------------------------------------------------------------

    def due_outbox(
        self, at: int, limit: int, queued_before: int | None = None
    ) -> list[OutboxItem]:
        """Queued changes whose retry time has come, oldest first."""
        rows = self._db.execute(
            "SELECT o.contact_id, c.hubspot_id, o.value, o.queued_at, o.attempts,"
            " o.next_attempt_at FROM outbox o JOIN contacts c ON c.id = o.contact_id"
            " WHERE o.next_attempt_at <= ? AND o.queued_at <= ?"
            " ORDER BY o.queued_at LIMIT ?",
            (at, queued_before if queued_before is not None else at, limit),
        ).fetchall()
        return [OutboxItem(*row) for row in rows]

    def outbox_size(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def push_succeeded(
        self,
        item: OutboxItem,
        modified: int,
        at: int,
        replaced: str | None = None,
    ) -> None:
        """HubSpot took the agent's value; its echo will be recognised later.

        ``replaced`` is HubSpot's value just before the write. If HubSpot had
        changed it since Talk last saw it (the agent's change was newer), that
        value is overwritten in HubSpot, so it is recorded, never lost silently.
        """
        with self.transaction() as db:
            if not self._still_queued(db, item):
                return
            known = db.execute(
                "SELECT hubspot_value FROM contacts WHERE id = ?", (item.contact_id,)
            ).fetchone()[0]
            db.execute("DELETE FROM outbox WHERE contact_id = ?", (item.contact_id,))
            db.execute(
                "UPDATE contacts SET sync_state = 'synced', sync_error = NULL,"
                " hubspot_value = ?, hubspot_modified = ? WHERE id = ?",
                (item.value, modified, item.contact_id),
            )
            outcome = "Sent to HubSpot"
            unseen = replaced is not None and replaced not in (known, item.value)
            if unseen:
                outcome += (
                    f"; it replaced HubSpot's “{replaced}”, set there before the "
                    "agent's more recent change"
                )
            self._history(
                db,
                item.contact_id,
                at,
                "pushed",
                replaced if unseen else None,
                item.value,
                "sync",
                outcome,
            )
            if unseen:
                self._log(
                    db,
                    at,
                    "INFO",
                    "conflict",
                    f"Contact {item.contact_id}: the agent's more recent change "
                    f"“{item.value}” replaced HubSpot's “{replaced}”.",
                    item.contact_id,
                )

    def push_rejected(self, item: OutboxItem, message: str, at: int) -> None:
        """HubSpot refused the value: shown on the contact, never retried."""
        with self.transaction() as db:
            if not self._still_queued(db, item):
                return
            db.execute("DELETE FROM outbox WHERE contact_id = ?", (item.contact_id,))
            db.execute(
                "UPDATE contacts SET sync_state = 'rejected', sync_error = ?"
                " WHERE id = ?",
                (message, item.contact_id),
            )
            self._history(
                db,
                item.contact_id,
                at,
                "push_rejected",
                None,
                item.value,
                "HubSpot",
                f"HubSpot rejected it: {message}",
            )
            self._log(
                db,
                at,
                "WARNING",
                "push_rejected",
                f"HubSpot rejected “{item.value}” for contact "
                f"{item.contact_id}: {message}",
                item.contact_id,
            )

    def push_lost(
        self, item: OutboxItem, hubspot_value: str | None, modified: int, at: int
    ) -> None:
        """HubSpot changed the contact more recently: its value wins."""
        with self.transaction() as db:
            if not self._still_queued(db, item):
                return
            db.execute("DELETE FROM outbox WHERE contact_id = ?", (item.contact_id,))
            db.execute(
                "UPDATE contacts SET disposition = ?, disposition_at = ?,"
                " hubspot_value = ?, hubspot_modified = MAX(COALESCE(hubspot_modified,"
                " 0), ?), sync_state = 'synced', sync_error = NULL WHERE id = ?",
                (hubspot_value, modified, hubspot_value, modified, item.contact_id),
            )
            self._history(
                db,
                item.contact_id,
                at,
                "conflict_lost",
                item.value,
                hubspot_value,
                "HubSpot",
                f"HubSpot's newer “{hubspot_value}” won over the agent's "
                f"“{item.value}”; the agent's value was not sent",
            )
            self._log(
                db,
                at,
                "INFO",
                "conflict",
                f"Contact {item.contact_id}: HubSpot's newer lead status "
                f"“{hubspot_value}” won over the agent's “{item.value}”, which was "
                "not sent.",
                item.contact_id,
            )

    def push_retry_later(self, item: OutboxItem, retry_at: int, reason: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?"
                " WHERE contact_id = ? AND queued_at = ?",
                (retry_at, item.contact_id, item.queued_at),
            )
            if item.attempts == 0:
                self._log(
                    db,
                    retry_at,
                    "WARNING",
                    "push_delayed",
                    f"Could not reach HubSpot for contact {item.contact_id}; "
                    f"will retry ({reason}).",
                    item.contact_id,
                )

    def _still_queued(self, db: sqlite3.Connection, item: OutboxItem) -> bool:
        """False when the agent changed the contact again, or the push was cancelled."""
        return (
            db.execute(
                "SELECT 1 FROM outbox WHERE contact_id = ? AND queued_at = ?"
                " AND value = ?",
                (item.contact_id, item.queued_at, item.value),
            ).fetchone()
            is not None
        )

    def _cancel_outbox(self, db: sqlite3.Connection, at: int, why: str) -> list[int]:
        rows = db.execute("SELECT contact_id, value FROM outbox").fetchall()
        for contact_id, value in rows:
            db.execute(
                "UPDATE contacts SET sync_state = 'local_only' WHERE id = ?",
                (contact_id,),
            )
            self._history(
                db,
                contact_id,
                at,
                "push_cancelled",
                None,
                value,
                "sync",
                f"Not sent to HubSpot: {why}; kept in Talk only",
            )
            self._log(
                db,
                at,
                "INFO",
                "push_cancelled",
                f"Cancelled the queued change of contact {contact_id} to "
                f"“{value}” ({why}); it is kept in Talk only.",
                contact_id,
            )
        db.execute("DELETE FROM outbox")
        return [contact_id for contact_id, _ in rows]

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


def _describe_option_change(
    old: tuple[Any, ...], label: str, order: int, hidden: bool
) -> list[str]:
    value, old_label, _source, old_hidden, state, old_order = old
    lines = []
    if state == "detached":
        lines.append(f"HubSpot restored the lead status “{label}” ({value}).")
    if old_label != label:
        lines.append(f"HubSpot renamed “{old_label}” to “{label}” ({value}).")
    if bool(old_hidden) != hidden:
        verb = "hid" if hidden else "unhid"
        lines.append(f"HubSpot {verb} the lead status “{label}” ({value}).")
    if old_order != order:
        lines.append(f"HubSpot moved “{label}” to position {order + 1}.")
    return lines
