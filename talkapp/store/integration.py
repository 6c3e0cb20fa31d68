"""The integration row: connection, direction, sync cursors; and the sync log."""

from __future__ import annotations

from talkapp.store.base import StoreBase, now_ms
from talkapp.store.errors import RefusedError
from talkapp.store.models import (
    DEFAULT_DIRECTION,
    Direction,
    Integration,
)


class IntegrationQueries(StoreBase):
    """The integration row: connection, direction, sync cursors; and the sync log."""

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
            switched = before.portal_id is not None and before.portal_id != portal_id
            if before.has_hubspot_list and (switched or before.hubspot_url != url):
                # Maybe another portal: its cursors are not this one's, and a
                # full sync costs no more than a walk of the list.
                db.execute(
                    "UPDATE integration SET cursor_ms = NULL, cursor_id = NULL,"
                    " full_sync_after = NULL, full_sync_started = NULL WHERE id = 1"
                )
            verb = "reconnected" if before.has_hubspot_list else "connected"
            self._log(db, at, "INFO", "connected", f"HubSpot {verb} at {url}.")
            if switched:
                (kept,) = db.execute(
                    "SELECT COUNT(*) FROM contacts WHERE portal_id = ?",
                    (before.portal_id,),
                ).fetchone()
                self._log(
                    db,
                    at,
                    "WARNING",
                    "portal_switched",
                    f"Switched from HubSpot portal {before.portal_id} to"
                    f" {portal_id}: Talk shows this portal's contacts only. The"
                    f" {kept:,} contacts of portal {before.portal_id} are kept,"
                    " and come back if it is connected again.",
                )
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
