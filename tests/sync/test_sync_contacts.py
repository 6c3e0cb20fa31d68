"""Contact dispositions from HubSpot, and one-way agent changes: kept in Talk
only until HubSpot's next change or a full resync; nothing lost silently."""

from __future__ import annotations

import pytest
from sync_helpers import (
    Requests,
    by_hubspot_id,
    hubspot_change,
    hubspot_value,
    last_history,
    log_mark,
    logged,
    other_value,
    reload,
)

from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.store.models import SyncState
from talkapp.sync.engine import SyncEngine

# -- HubSpot → Talk ---------------------------------------------------------------


async def test_a_hubspot_change_reaches_the_contact(
    engine: SyncEngine, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 5)
    new = other_value(contact.disposition)

    hubspot_change(portal, "5", new)
    summary = await engine.sync_once()

    assert (await reload(engine, contact)).disposition == new
    assert summary.changed == 1
    entry = await last_history(engine, contact.id)
    assert (entry.event, entry.old_value, entry.new_value) == (
        "hubspot_changed",
        contact.disposition,
        new,
    )


# -- one-way ------------------------------------------------------------------------


async def test_one_way_agent_change_stays_local_and_is_never_sent(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 8)
    theirs = contact.disposition
    ours = other_value(theirs)
    requests = Requests(simulator)

    changed = await engine.set_disposition(contact.id, ours)
    await engine.sync_once()
    await engine.sync_once()

    assert changed.sync_state is SyncState.LOCAL_ONLY
    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (ours, SyncState.LOCAL_ONLY)
    assert hubspot_value(portal, 8) == theirs
    assert requests.since()["batch_update"] == 0
    assert await engine.store.outbox_size() == 0
    entry = await last_history(engine, contact.id)
    assert (entry.event, entry.old_value, entry.new_value) == (
        "agent_set",
        theirs,
        ours,
    )
    assert "only" in entry.outcome


async def test_one_way_change_survives_syncs_that_reread_the_contact(
    engine: SyncEngine, portal: Portal
) -> None:
    # A contact HubSpot changed just now is read again by the next syncs
    # (their search overlaps); seeing it again is not a new HubSpot change.
    contact = await by_hubspot_id(engine, 9)
    hubspot_change(portal, "9", other_value(contact.disposition))
    await engine.sync_once()
    ours = other_value((await reload(engine, contact)).disposition)

    await engine.set_disposition(contact.id, ours)
    for _ in range(3):
        await engine.sync_once()

    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (ours, SyncState.LOCAL_ONLY)


@pytest.mark.parametrize("change", ["lead status", "another property"])
async def test_the_next_hubspot_change_overwrites_a_local_value(
    engine: SyncEngine, portal: Portal, change: str
) -> None:
    contact = await by_hubspot_id(engine, 10)
    theirs = contact.disposition
    ours = other_value(theirs)
    await engine.set_disposition(contact.id, ours)
    mark = await log_mark(engine)

    if change == "lead status":
        expected = other_value(theirs, avoid=(ours,))
        hubspot_change(portal, "10", expected)
    else:
        expected = theirs
        portal.update(10, {"firstname": "Renamed"}, "CRM_UI")
    await engine.sync_once()

    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (expected, SyncState.SYNCED)
    entry = await last_history(engine, contact.id)
    assert (entry.event, entry.old_value, entry.new_value) == (
        "overwritten",
        ours,
        expected,
    )
    assert ours in entry.outcome
    assert await logged(engine, mark, "local_overwritten", contact.id, ours, expected)


async def test_a_full_resync_overwrites_a_local_value(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 11)
    theirs = contact.disposition
    ours = other_value(theirs)
    await engine.set_disposition(contact.id, ours)
    mark = await log_mark(engine)
    requests = Requests(simulator)

    summary = await engine.sync_once(full=True)

    assert summary.full
    assert requests.since()["batch_update"] == 0
    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (theirs, SyncState.SYNCED)
    entry = await last_history(engine, contact.id)
    assert (entry.event, entry.old_value, entry.new_value) == (
        "overwritten",
        ours,
        theirs,
    )
    assert await logged(engine, mark, "local_overwritten", contact.id, ours, theirs)
