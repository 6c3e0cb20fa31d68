"""The status list: HubSpot's lead statuses, locked, keyed by value; Talk's
own defaults before the first connection, edited by admins only."""

from __future__ import annotations

import pytest
from sync_helpers import (
    HUBSPOT_LABELS,
    HUBSPOT_VALUES,
    TALK_DEFAULT_LABELS,
    URL,
    by_hubspot_id,
    default_options,
    set_options,
)

from talkapp.simulator import DEFAULT_TOKEN
from talkapp.simulator.portal import Portal
from talkapp.store.errors import RefusedError
from talkapp.store.models import Disposition, DispositionState, Source
from talkapp.sync.engine import NotConnectedError, Role, SyncEngine


def by_value(statuses: list[Disposition]) -> dict[str, Disposition]:
    return {d.value: d for d in statuses}


async def offered_labels(engine: SyncEngine) -> list[str]:
    return [d.label for d in await engine.offered()]


async def offered_values(engine: SyncEngine) -> list[str]:
    return [d.value for d in await engine.offered()]


async def edit(engine: SyncEngine, verb: str, value: str, role: Role) -> None:
    """Add, rename or remove the disposition ``value`` as ``role``."""
    if verb == "add":
        await engine.add_disposition(value, "Some label", role)
    elif verb == "rename":
        await engine.rename_disposition(value, "Some label", role)
    else:
        await engine.remove_disposition(value, role)


async def disposition_of(engine: SyncEngine, contact_id: int) -> str | None:
    contact = await engine.contact(contact_id)
    assert contact is not None
    return contact.disposition


# -- before the first connection ----------------------------------------------


async def test_talk_defaults_are_offered_before_the_first_connection(
    fresh_engine: SyncEngine,
) -> None:
    assert await offered_labels(fresh_engine) == TALK_DEFAULT_LABELS
    statuses = await fresh_engine.statuses()
    assert all(d.source is Source.TALK and not d.locked for d in statuses)


@pytest.mark.parametrize("verb", ["add", "rename", "remove"])
async def test_agents_never_edit_the_list(fresh_engine: SyncEngine, verb: str) -> None:
    before = await fresh_engine.statuses()
    value = "vip" if verb == "add" else before[0].value

    with pytest.raises(RefusedError, match="only an admin"):
        await edit(fresh_engine, verb, value, Role.AGENT)

    assert await fresh_engine.statuses() == before


async def test_admin_adds_renames_and_removes_talk_dispositions(
    fresh_engine: SyncEngine,
) -> None:
    await fresh_engine.add_disposition("vip", "VIP", Role.ADMIN)
    assert (await offered_labels(fresh_engine))[-1] == "VIP"

    await fresh_engine.rename_disposition("vip", "Very important", Role.ADMIN)
    assert (await offered_labels(fresh_engine))[-1] == "Very important"

    await fresh_engine.remove_disposition("vip", Role.ADMIN)
    assert await offered_labels(fresh_engine) == TALK_DEFAULT_LABELS
    events = [e.event for e in await fresh_engine.sync_log()]
    assert events == ["disposition_added", "disposition_renamed", "disposition_removed"]


# -- while connected ------------------------------------------------------------


async def test_connected_offers_exactly_hubspots_visible_options_in_order(
    engine: SyncEngine, portal: Portal
) -> None:
    assert await offered_values(engine) == HUBSPOT_VALUES
    assert await offered_labels(engine) == HUBSPOT_LABELS

    portal.update_property(
        "hs_lead_status",
        {
            "options": [
                {"label": "Zeta", "value": "ZETA", "displayOrder": 2},
                {"label": "Bad Timing", "value": "BAD_TIMING", "displayOrder": 0},
                {
                    "label": "Hidden one",
                    "value": "HID",
                    "hidden": True,
                    "displayOrder": 1,
                },
                {"label": "New", "value": "NEW", "displayOrder": 1},
            ]
        },
    )
    await engine.sync_once()

    assert await offered_values(engine) == ["BAD_TIMING", "NEW", "ZETA"]
    assert await offered_labels(engine) == ["Bad Timing", "New", "Zeta"]
    statuses = by_value(await engine.statuses())
    assert statuses["HID"].hidden
    assert statuses["HID"].locked
    assert statuses["OPEN"].state is DispositionState.DETACHED


async def test_talk_defaults_are_kept_but_not_offered_while_connected(
    engine: SyncEngine,
) -> None:
    statuses = await engine.statuses()
    talk = [d for d in statuses if d.source is Source.TALK]
    assert [d.label for d in talk] == TALK_DEFAULT_LABELS
    offered = set(await offered_values(engine))
    assert not offered & {d.value for d in talk}


async def test_every_hubspot_status_is_locked(engine: SyncEngine) -> None:
    hubspot = [d for d in await engine.statuses() if d.source is Source.HUBSPOT]
    assert [d.value for d in hubspot] == HUBSPOT_VALUES
    assert all(d.locked for d in hubspot)


@pytest.mark.parametrize("verb", ["add", "rename", "remove"])
async def test_a_hubspot_status_is_managed_in_hubspot(
    engine: SyncEngine, verb: str
) -> None:
    before = await engine.statuses()
    log_before = await engine.sync_log(10_000)

    with pytest.raises(RefusedError, match="managed in HubSpot") as refused:
        await edit(engine, verb, "NEW", Role.ADMIN)

    assert "\n" not in str(refused.value)
    assert await engine.statuses() == before
    assert await engine.sync_log(10_000) == log_before


async def test_hubspot_rename_changes_the_label_not_the_value(
    engine: SyncEngine, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 1)
    value = contact.disposition
    assert value is not None
    rows = [
        ("Renamed in HubSpot", v) if v == value else (label, v)
        for label, v in default_options()
    ]

    set_options(portal, rows)
    summary = await engine.sync_once()

    status = by_value(await engine.statuses())[value]
    assert status.label == "Renamed in HubSpot"
    assert status.locked
    assert "Renamed in HubSpot" in await offered_labels(engine)
    assert await disposition_of(engine, contact.id) == value
    assert any("renamed" in line for line in summary.status_changes)
    assert any("renamed" in e.message for e in await engine.sync_log())


async def test_hubspot_hides_a_status_contacts_keep_it(
    engine: SyncEngine, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 1)
    value = contact.disposition
    assert value is not None
    rows = [(label, v, v == value) for label, v in default_options()]

    set_options(portal, rows)
    await engine.sync_once()

    assert value not in await offered_values(engine)
    status = by_value(await engine.statuses())[value]
    assert status.hidden
    assert status.locked
    assert status.contacts >= 1
    assert await disposition_of(engine, contact.id) == value
    with pytest.raises(RefusedError, match="not one of the offered"):
        await engine.set_disposition(contact.id, value)


async def test_hubspot_reorder_is_followed(engine: SyncEngine, portal: Portal) -> None:
    set_options(portal, list(reversed(default_options())))
    await engine.sync_once()

    assert await offered_values(engine) == list(reversed(HUBSPOT_VALUES))


async def test_hubspot_delete_detaches_and_restore_locks_again(
    engine: SyncEngine, portal: Portal
) -> None:
    contact = await by_hubspot_id(engine, 1)
    value = contact.disposition
    assert value is not None
    label = by_value(await engine.statuses())[value].label

    set_options(portal, [row for row in default_options() if row[1] != value])
    summary = await engine.sync_once()

    status = by_value(await engine.statuses())[value]
    assert status.state is DispositionState.DETACHED
    assert not status.locked
    assert status.label == label
    assert status.contacts >= 1
    assert value not in await offered_values(engine)
    assert await disposition_of(engine, contact.id) == value
    assert any("deleted" in line for line in summary.status_changes)
    assert any("detached" in e.message for e in await engine.sync_log())

    set_options(portal, default_options())
    summary = await engine.sync_once()

    status = by_value(await engine.statuses())[value]
    assert status.state is DispositionState.ACTIVE
    assert status.locked
    assert await offered_values(engine) == HUBSPOT_VALUES
    assert any("restored" in line for line in summary.status_changes)


async def test_a_value_matching_no_status_is_kept_and_shown_raw(
    fresh_engine: SyncEngine, portal: Portal
) -> None:
    # HubSpot had an option, a contact took it, the option went away; Talk
    # never saw the option, so the value matches nothing Talk knows.
    set_options(portal, [*default_options(), ("Gone", "GONE_VALUE")])
    portal.update(3, {"hs_lead_status": "GONE_VALUE"}, "CRM_UI")
    set_options(portal, default_options())

    await fresh_engine.connect(URL, DEFAULT_TOKEN)
    await fresh_engine.sync_once()

    contact = await by_hubspot_id(fresh_engine, 3)
    assert contact.disposition == "GONE_VALUE"
    assert "GONE_VALUE" not in by_value(await fresh_engine.statuses())
    assert await fresh_engine.store.unknown_values() == [("GONE_VALUE", 1)]


# -- disconnected ----------------------------------------------------------------


async def test_disconnecting_keeps_the_locked_list_not_syncing(
    engine: SyncEngine,
) -> None:
    before = await engine.statuses()
    offered = await offered_values(engine)

    await engine.disconnect()

    assert await engine.statuses() == before
    assert all(d.locked for d in before if d.source is Source.HUBSPOT)
    assert await offered_values(engine) == offered
    integration = await engine.integration()
    assert integration.state == "disconnected"
    assert not integration.connected
    last = (await engine.sync_log())[-1]
    assert last.event == "disconnected"
    assert "not syncing" in last.message
    with pytest.raises(NotConnectedError):
        await engine.sync_once()
    with pytest.raises(RefusedError, match="managed in HubSpot"):
        await engine.rename_disposition("NEW", "Mine now", Role.ADMIN)
