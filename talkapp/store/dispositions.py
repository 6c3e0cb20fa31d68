"""The disposition list: HubSpot's locked statuses and Talk's own."""

from __future__ import annotations

import sqlite3
from typing import Any

from talkapp.store.base import StoreBase
from talkapp.store.errors import RefusedError
from talkapp.store.models import (
    Disposition,
    DispositionState,
    Integration,
    Source,
)


class DispositionQueries(StoreBase):
    """The disposition list: HubSpot's locked statuses and Talk's own."""

    # -- dispositions ----------------------------------------------------------

    def dispositions(self) -> list[Disposition]:
        """Every disposition with its contact count, HubSpot's first, in order."""
        rows = self._db.execute(
            "SELECT d.value, d.label, d.source, d.hidden, d.state, d.display_order,"
            " (SELECT COUNT(*) FROM portal_contacts c WHERE c.disposition = d.value)"
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
            "SELECT disposition, COUNT(*) FROM portal_contacts"
            " WHERE disposition IS NOT NULL"
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
                "SELECT COUNT(*) FROM portal_contacts WHERE disposition = ?", (value,)
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

    def offered(self, integration: Integration) -> list[Disposition]:
        """The picker's list: HubSpot's visible statuses once a list exists."""
        if integration.has_hubspot_list:
            return [d for d in self.dispositions() if d.locked and not d.hidden]
        return [d for d in self.dispositions() if d.source is Source.TALK]


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
