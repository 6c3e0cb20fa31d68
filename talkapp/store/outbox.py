"""The outbox: agents' changes queued for HubSpot in two-way mode."""

from __future__ import annotations

import sqlite3

from talkapp.store.base import StoreBase
from talkapp.store.models import (
    OutboxItem,
)


class OutboxQueries(StoreBase):
    """The outbox: agents' changes queued for HubSpot in two-way mode."""

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
