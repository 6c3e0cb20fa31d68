"""Applying pulled HubSpot contacts: many at once, in one transaction."""

from __future__ import annotations

from pathlib import Path

from talkapp.store.models import Incoming, SyncState
from talkapp.store.sqlite import SQLiteStore
from talkapp.sync.rules import on_hubspot_record


def incoming(number: int, value: str = "NEW", modified: int = 1_000) -> Incoming:
    return Incoming(
        hubspot_id=str(number),
        firstname=f"First{number}",
        lastname=f"Last{number}",
        email=f"c{number}@example.com",
        phone=f"+1 555 {number:07d}",
        value=value,
        modified=modified + number,
    )


def test_a_thousand_new_contacts_land_in_one_call_with_their_ids(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "talk.sqlite3")
    records = [incoming(n) for n in range(1, 1235)]

    changed = store.apply_hubspot(
        records, on_hubspot_record, full=True, at=5, progress={"full_sync_after": "x"}
    )

    contacts = store.contacts()
    assert sorted(changed) == [c.id for c in contacts]
    assert len(contacts) == 1234
    by_hubspot = {c.hubspot_id: c for c in contacts}
    for record in records:
        contact = by_hubspot[record.hubspot_id]
        assert contact.name == f"{record.firstname} {record.lastname}"
        assert (contact.email, contact.phone) == (record.email, record.phone)
        assert contact.disposition == record.value
        assert contact.hubspot_modified == record.modified
        assert contact.sync_state is SyncState.SYNCED
    assert store.integration().full_sync_after == "x"
    store.close()


def test_known_and_new_contacts_in_one_page(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "talk.sqlite3")
    store.apply_hubspot(
        [incoming(n) for n in range(1, 4)], on_hubspot_record, full=True, at=5
    )
    before = {c.hubspot_id: c.id for c in store.contacts()}

    changed = store.apply_hubspot(
        [incoming(2, "OPEN", modified=9_000), incoming(3), incoming(4)],
        on_hubspot_record,
        full=True,
        at=6,
    )

    after = {c.hubspot_id: c for c in store.contacts()}
    assert sorted(changed) == sorted([before["2"], after["4"].id])
    assert after["2"].disposition == "OPEN"
    assert after["3"].disposition == "NEW"
    assert {h: c.id for h, c in after.items() if h in before} == before
    store.close()


def test_a_page_that_repeats_a_contact_keeps_its_last_record(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "talk.sqlite3")

    store.apply_hubspot(
        [incoming(7, "NEW"), incoming(7, "OPEN", modified=2_000)],
        on_hubspot_record,
        full=True,
        at=5,
    )

    (contact,) = store.contacts()
    assert contact.disposition == "OPEN"
    store.close()
