"""Sync direction: default one-way, two-way opt-in, Talk → HubSpot refused,
reset on every (re)connection, and leaving two-way cancels what is queued."""

from __future__ import annotations

import pytest
from sync_helpers import (
    URL,
    Recorder,
    Requests,
    by_hubspot_id,
    hubspot_value,
    last_history,
    log_mark,
    log_since,
    logged,
    other_value,
)

from talkapp.simulator import DEFAULT_TOKEN
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.store.errors import RefusedError
from talkapp.store.models import Direction, SyncState
from talkapp.sync.engine import SyncEngine


async def test_default_direction_is_hubspot_to_talk(
    fresh_engine: SyncEngine,
) -> None:
    assert await fresh_engine.direction() is Direction.HUBSPOT_TO_TALK

    await fresh_engine.connect(URL, DEFAULT_TOKEN)

    assert await fresh_engine.direction() is Direction.HUBSPOT_TO_TALK


async def test_two_way_is_opt_in_and_logged(engine: SyncEngine) -> None:
    mark = await log_mark(engine)

    await engine.set_direction("two-way")

    assert await engine.direction() is Direction.TWO_WAY
    lines = await log_since(engine, mark)
    assert [line.event for line in lines] == ["direction_changed"]
    assert "↔" in lines[0].message


@pytest.mark.parametrize("given", ["aloware-to-hubspot", Direction.TALK_TO_HUBSPOT])
async def test_talk_to_hubspot_is_refused_and_never_stored(
    engine: SyncEngine, given: str | Direction
) -> None:
    await engine.set_direction("two-way")
    mark = await log_mark(engine)

    with pytest.raises(RefusedError, match="not supported"):
        await engine.set_direction(given)

    assert await engine.direction() is Direction.TWO_WAY
    assert await log_since(engine, mark) == []


async def test_unknown_direction_is_refused_with_the_choices(
    engine: SyncEngine,
) -> None:
    with pytest.raises(RefusedError, match="two-way") as refused:
        await engine.set_direction("sideways")

    assert "\n" not in str(refused.value)
    assert await engine.direction() is Direction.HUBSPOT_TO_TALK


async def test_first_connection_resets_a_direction_chosen_before(
    fresh_engine: SyncEngine, recorder: Recorder
) -> None:
    await fresh_engine.set_direction("two-way")

    await fresh_engine.connect(URL, DEFAULT_TOKEN)

    assert await fresh_engine.direction() is Direction.HUBSPOT_TO_TALK
    assert len(recorder.named("direction_reset")) == 1
    resets = [e for e in await fresh_engine.sync_log() if e.event == "direction_reset"]
    assert len(resets) == 1
    assert "HubSpot → Talk" in resets[0].message


@pytest.mark.parametrize("before", [Direction.TWO_WAY, Direction.HUBSPOT_TO_TALK])
async def test_every_reconnection_resets_the_direction(
    engine: SyncEngine, before: Direction
) -> None:
    recorder = Recorder()
    engine.observers.subscribe(recorder)
    for _ in range(2):
        await engine.set_direction(before)
        await engine.disconnect()
        mark = await log_mark(engine)

        await engine.connect(URL, DEFAULT_TOKEN)

        assert await engine.direction() is Direction.HUBSPOT_TO_TALK
        lines = await log_since(engine, mark)
        resets = [line for line in lines if line.event == "direction_reset"]
        assert len(resets) == 1
        assert "reset" in resets[0].message
        assert "HubSpot → Talk" in resets[0].message
    announced = recorder.named("direction_reset")
    assert len(announced) == 2
    assert all("HubSpot → Talk" in message for (message,) in announced)


async def test_reconnection_tells_the_caller_the_direction_was_reset(
    engine: SyncEngine,
) -> None:
    await engine.set_direction("two-way")
    await engine.disconnect()

    lines = await engine.connect(URL, DEFAULT_TOKEN)

    assert any("reset" in line and "HubSpot → Talk" in line for line in lines)


QUEUED = ("7", "21", "22")


async def _queue_two_way_changes(
    engine: SyncEngine, portal: Portal
) -> dict[int, tuple[str, str, str | None]]:
    """Two-way on, an agent change queued for each of ``QUEUED``.

    Returns {contact id: (HubSpot id, agent's value, HubSpot's value)}.
    """
    await engine.set_direction("two-way")
    queued = {}
    for hubspot_id in QUEUED:
        contact = await by_hubspot_id(engine, hubspot_id)
        theirs = hubspot_value(portal, hubspot_id)
        ours = other_value(theirs)
        changed = await engine.set_disposition(contact.id, ours)
        assert changed.sync_state is SyncState.PENDING
        queued[contact.id] = (hubspot_id, ours, theirs)
    assert await engine.store.outbox_size() == len(QUEUED)
    return queued


async def _assert_cancelled(
    engine: SyncEngine,
    simulator: Simulator,
    portal: Portal,
    queued: dict[int, tuple[str, str, str | None]],
    mark: int,
) -> None:
    """Each queued change was cancelled, recorded, kept local, and never sent."""
    assert await engine.store.outbox_size() == 0
    for contact_id, (_, ours, _) in queued.items():
        contact = await engine.contact(contact_id)
        assert contact is not None
        assert contact.disposition == ours
        assert contact.sync_state is SyncState.LOCAL_ONLY
        cancelled = await last_history(engine, contact_id)
        assert (cancelled.event, cancelled.new_value) == ("push_cancelled", ours)
        assert await logged(engine, mark, "push_cancelled", contact_id, ours)

    requests = Requests(simulator)
    await engine.set_direction("two-way")
    await engine.sync_once()
    await engine.sync_once()
    assert requests.since()["batch_update"] == 0
    for hubspot_id, _, theirs in queued.values():
        assert hubspot_value(portal, hubspot_id) == theirs


async def test_leaving_two_way_cancels_queued_pushes(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    queued = await _queue_two_way_changes(engine, portal)
    recorder = Recorder()
    engine.observers.subscribe(recorder)
    mark = await log_mark(engine)

    await engine.set_direction("hubspot-to-aloware")

    announced = {i for (ids,) in recorder.named("contacts_changed") for i in ids}
    assert announced >= set(queued)
    await _assert_cancelled(engine, simulator, portal, queued, mark)


async def test_reconnecting_cancels_queued_pushes(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    queued = await _queue_two_way_changes(engine, portal)
    await engine.disconnect()
    mark = await log_mark(engine)

    await engine.connect(URL, DEFAULT_TOKEN)

    assert await engine.direction() is Direction.HUBSPOT_TO_TALK
    await _assert_cancelled(engine, simulator, portal, queued, mark)


async def test_a_cancelled_change_is_then_overwritten_by_hubspot(
    engine: SyncEngine, portal: Portal
) -> None:
    queued = await _queue_two_way_changes(engine, portal)
    await engine.set_direction("hubspot-to-aloware")
    contact_id, (hubspot_id, ours, theirs) = next(iter(queued.items()))
    newer = other_value(theirs, avoid=(ours,))

    portal.update(hubspot_id, {"hs_lead_status": newer}, "CRM_UI")
    await engine.sync_once()

    contact = await engine.contact(contact_id)
    assert contact is not None
    assert contact.disposition == newer
    assert contact.sync_state is SyncState.SYNCED
    overwritten = await last_history(engine, contact_id)
    assert (overwritten.event, overwritten.old_value) == ("overwritten", ours)
