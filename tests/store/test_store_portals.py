"""Contacts belong to the HubSpot portal they came from.

What a user would notice otherwise: after the demo, the built-in
simulator's 300 contacts still in the list of a real portal; a contact of
the new portal shown with the old one's name because both have HubSpot id
51; an agent's dispositions of the old portal gone. And a data directory of
an earlier Talk must open with all of it kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from talkapp.store.errors import RefusedError
from talkapp.store.models import Direction, Incoming
from talkapp.store.schema import MIGRATIONS, SCHEMA_VERSION
from talkapp.store.sqlite import SQLiteStore
from talkapp.sync.rules import on_hubspot_record

PORTAL_A, PORTAL_B = 62515, 777
CONNECTED = ("CONNECTED", "Connected", 1, False)


def incoming(number: int, name: str, modified: int, value: str = "NEW") -> Incoming:
    return Incoming(
        hubspot_id=str(number),
        firstname=name,
        lastname=str(number),
        email=f"{name.lower()}{number}@example.com",
        phone="",
        value=value,
        modified=modified,
    )


def pull(store: SQLiteStore, records: list[Incoming]) -> list[int]:
    return store.apply_hubspot(records, on_hubspot_record, full=True, at=1)


def test_each_portal_sees_its_own_contacts_under_the_same_ids(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "talk.sqlite3")
    store.mark_connected("http://a.test", PORTAL_A, 1)
    store.apply_status_options([("NEW", "New", 0, False), CONNECTED], 1)
    pull(store, [incoming(n, "Demo", modified=9_000) for n in (1, 51, 101)])
    demo = store.contacts()[0]
    store.set_disposition(demo.id, "CONNECTED", store.integration().direction, True, 2)
    assert {d.value: d.contacts for d in store.dispositions()}["CONNECTED"] == 1

    store.mark_connected("http://b.test", PORTAL_B, 3)
    # Older in HubSpot than the demo's contact 51, and a contact all the same.
    pull(store, [incoming(n, "Real", modified=5_000) for n in (51, 151)])

    assert [(c.hubspot_id, c.name) for c in store.contacts()] == [
        ("51", "Real 51"),
        ("151", "Real 151"),
    ]
    assert store.count_contacts() == 2
    # A window still showing the demo's contact cannot set it for this portal.
    assert store.contact(demo.id) is None
    with pytest.raises(RefusedError, match="no contact"):
        store.set_disposition(demo.id, "NEW", Direction.TWO_WAY, True, 3)
    assert store.outbox_size() == 0
    assert {d.value: d.contacts for d in store.dispositions()}["CONNECTED"] == 0
    [log] = [e for e in store.sync_log(100) if e.event == "portal_switched"]
    assert f"The 3 contacts of portal {PORTAL_A} are kept" in log.message

    store.mark_connected("http://a.test", PORTAL_A, 4)
    back = store.contacts()
    assert [(c.hubspot_id, c.name) for c in back] == [
        ("1", "Demo 1"),
        ("51", "Demo 51"),
        ("101", "Demo 101"),
    ]
    assert back[0].disposition == "CONNECTED"
    store.close()


def test_the_same_portal_at_another_address_keeps_its_contacts(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "talk.sqlite3")
    store.mark_connected("http://a.test", PORTAL_A, 1)
    pull(store, [incoming(n, "Same", modified=9_000) for n in (1, 2)])

    store.mark_connected("http://a-again.test", PORTAL_A, 2)

    assert [c.name for c in store.contacts()] == ["Same 1", "Same 2"]
    assert all(e.event != "portal_switched" for e in store.sync_log(100))
    store.close()


def test_an_earlier_talks_data_opens_with_everything_kept(tmp_path: Path) -> None:
    path = tmp_path / "talk.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)  # schema 1, as an earlier Talk left it
    db.execute("PRAGMA user_version = 1")
    db.execute("COMMIT")
    db.execute(
        "UPDATE integration SET state = 'connected', portal_id = ?,"
        " hubspot_url = 'http://a.test' WHERE id = 1",
        (PORTAL_A,),
    )
    db.execute(
        "INSERT INTO contacts (id, hubspot_id, firstname, lastname, disposition,"
        " sync_state) VALUES (7, '51', 'Ada', 'Lovelace', 'OPEN', 'pending')"
    )
    db.execute(
        "INSERT INTO outbox (contact_id, value, queued_at) VALUES (7, 'OPEN', 5)"
    )
    db.execute(
        "INSERT INTO history (contact_id, at, event, new_value, actor, outcome)"
        " VALUES (7, 5, 'agent_set', 'OPEN', 'agent', 'queued')"
    )
    db.close()

    store = SQLiteStore(path)

    version = store._db.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION == 2
    [contact] = store.contacts()
    assert (contact.id, contact.hubspot_id, contact.name) == (7, "51", "Ada Lovelace")
    assert store.outbox_size() == 1
    assert [h.new_value for h in store.history(7)] == ["OPEN"]
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
