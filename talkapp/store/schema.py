"""The SQLite schema, as forward migrations keyed by ``PRAGMA user_version``.

Each step runs once, in order, inside one transaction with the version bump,
so a crash mid-upgrade leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3

# Talk's own dispositions, before any HubSpot connection (value, label).
TALK_DEFAULTS = (
    ("talk-new", "New"),
    ("talk-open", "Open"),
    ("talk-in-progress", "In progress"),
    ("talk-open-deal", "Open deal"),
    ("talk-unqualified", "Unqualified"),
    ("talk-attempted-to-call", "Attempted to call"),
    ("talk-connected", "Connected"),
    ("talk-bad-timing", "Bad timing"),
)

_V1 = """
CREATE TABLE dispositions (
    value TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('hubspot', 'talk')),
    hidden INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'detached')),
    display_order INTEGER NOT NULL
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    hubspot_id TEXT UNIQUE,
    firstname TEXT NOT NULL DEFAULT '',
    lastname TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    disposition TEXT,
    disposition_at INTEGER,
    hubspot_value TEXT,
    hubspot_modified INTEGER,
    sync_state TEXT NOT NULL DEFAULT 'synced'
        CHECK (sync_state IN ('synced', 'local_only', 'pending', 'rejected')),
    sync_error TEXT
);
CREATE INDEX contacts_by_disposition ON contacts (disposition);

CREATE TABLE outbox (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id),
    value TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    actor TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX history_by_contact ON history (contact_id, id);

CREATE TABLE sync_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    level TEXT NOT NULL,
    event TEXT NOT NULL,
    message TEXT NOT NULL,
    contact_id INTEGER
);

CREATE TABLE integration (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL DEFAULT 'never_connected'
        CHECK (state IN ('never_connected', 'connected', 'disconnected')),
    hubspot_url TEXT,
    direction TEXT NOT NULL DEFAULT 'hubspot-to-aloware'
        CHECK (direction IN ('hubspot-to-aloware', 'two-way')),
    portal_id INTEGER,
    last_sync_at INTEGER,
    last_sync_ok INTEGER,
    last_error TEXT,
    cursor_ms INTEGER,
    cursor_id TEXT,
    full_sync_after TEXT,
    full_sync_started INTEGER
);
INSERT INTO integration (id) VALUES (1);
"""


def _v1(db: sqlite3.Connection) -> None:
    db.executescript(f"BEGIN;{_V1}")
    db.executemany(
        "INSERT INTO dispositions (value, label, source, display_order)"
        " VALUES (?, ?, 'talk', ?)",
        [(value, label, order) for order, (value, label) in enumerate(TALK_DEFAULTS)],
    )


# Contacts belong to the HubSpot portal they came from (issue 7's review):
# another portal's contact may carry the same HubSpot id, and the demo's
# simulated contacts must not stay in the list of a real portal. SQLite
# cannot drop a column's UNIQUE, so the table is rebuilt (foreign keys off
# for the swap, checked after it). ``portal_contacts`` is what Talk shows:
# the contacts of the portal connected now, or last.
_V2 = """
CREATE TABLE contacts_v2 (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER,
    hubspot_id TEXT,
    firstname TEXT NOT NULL DEFAULT '',
    lastname TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    disposition TEXT,
    disposition_at INTEGER,
    hubspot_value TEXT,
    hubspot_modified INTEGER,
    sync_state TEXT NOT NULL DEFAULT 'synced'
        CHECK (sync_state IN ('synced', 'local_only', 'pending', 'rejected')),
    sync_error TEXT,
    UNIQUE (hubspot_id, portal_id)
);
INSERT INTO contacts_v2
    SELECT id, (SELECT portal_id FROM integration WHERE id = 1), hubspot_id,
        firstname, lastname, email, phone, disposition, disposition_at,
        hubspot_value, hubspot_modified, sync_state, sync_error
    FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_v2 RENAME TO contacts;
-- Also what finds a portal's contacts: portal_id leads it.
CREATE INDEX contacts_by_disposition ON contacts (portal_id, disposition);
CREATE VIEW portal_contacts AS
    SELECT * FROM contacts
    WHERE portal_id IS (SELECT portal_id FROM integration WHERE id = 1);
"""


def _v2(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
    db.executescript(f"BEGIN;{_V2}")
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"schema 2: {len(broken)} rows lost their contact")


MIGRATIONS = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection) -> None:
    """Bring the database up to ``SCHEMA_VERSION``; refuse a newer one."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"this data directory was written by a newer Talk (schema {version}, "
            f"this Talk knows {SCHEMA_VERSION}); upgrade Talk to open it"
        )
    for number in range(version, SCHEMA_VERSION):
        foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
        try:
            if db.in_transaction:
                db.rollback()
            MIGRATIONS[number](db)
            if not db.in_transaction:
                db.execute("BEGIN")
            db.execute(f"PRAGMA user_version = {number + 1}")
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.execute(f"PRAGMA foreign_keys = {foreign_keys}")
