"""Two-way sync: agents' changes queued durably and pushed; conflicts (most
recent wins, a tie goes to HubSpot), rejections and transient failures;
nothing is lost silently."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from sync_helpers import (
    URL,
    EngineMaker,
    Recorder,
    Requests,
    by_hubspot_id,
    default_options,
    events,
    hubspot_change,
    hubspot_value,
    last_history,
    log_mark,
    logged,
    other_value,
    patch_settings,
    reload,
    set_options,
)

from talkapp.hubspot import HubSpotClient, UnavailableError
from talkapp.simulator import DEFAULT_TOKEN
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.store.models import SyncState
from talkapp.sync.engine import SyncEngine


async def test_two_way_change_is_queued_durably_and_pushed(
    engine: SyncEngine,
    make_engine: EngineMaker,
    db_path: Path,
    simulator: Simulator,
    portal: Portal,
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 12)
    ours = other_value(contact.disposition)

    queued = await engine.set_disposition(contact.id, ours)
    assert queued.sync_state is SyncState.PENDING
    await make_engine.close(engine)  # Talk quits before it could sync

    reopened = make_engine(db_path)
    assert await reopened.store.outbox_size() == 1
    assert (await reload(reopened, contact)).sync_state is SyncState.PENDING
    requests = Requests(simulator)
    summary = await reopened.sync_once()

    assert summary.pushed == 1
    assert requests.since()["batch_update"] == 1
    assert hubspot_value(portal, 12) == ours
    after = await reload(reopened, contact)
    assert (after.disposition, after.sync_state) == (ours, SyncState.SYNCED)
    assert await reopened.store.outbox_size() == 0
    assert (await events(reopened, contact.id))[-2:] == ["agent_set", "pushed"]


async def test_the_echo_of_our_own_push_is_not_a_hubspot_change(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 13)
    ours = other_value(contact.disposition)
    await engine.set_disposition(contact.id, ours)
    await engine.sync_once()
    requests = Requests(simulator)

    for _ in range(2):
        summary = await engine.sync_once()
        assert summary.changed == 0

    assert requests.since()["batch_update"] == 0
    assert await events(engine, contact.id) == ["agent_set", "pushed"]
    assert (await reload(engine, contact)).sync_state is SyncState.SYNCED


async def test_a_second_unsent_change_replaces_the_first(
    engine: SyncEngine, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 14)
    first = other_value(contact.disposition)
    second = other_value(contact.disposition, avoid=(first,))

    await engine.set_disposition(contact.id, first)
    await engine.set_disposition(contact.id, second)
    await engine.sync_once()

    assert hubspot_value(portal, 14) == second
    replaced = (await engine.history(contact.id))[-2]
    assert replaced.event == "agent_set"
    assert first in replaced.outcome


async def test_conflict_hubspot_changed_after_the_agent_wins(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 15)
    ours = other_value(contact.disposition)
    theirs = other_value(contact.disposition, avoid=(ours,))
    await engine.set_disposition(contact.id, ours)
    hubspot_change(portal, "15", theirs)
    mark = await log_mark(engine)
    requests = Requests(simulator)

    summary = await engine.sync_once()

    assert summary.conflicts == 1
    assert requests.since()["batch_update"] == 0
    assert hubspot_value(portal, 15) == theirs
    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (theirs, SyncState.SYNCED)
    lost = await last_history(engine, contact.id)
    assert (lost.event, lost.old_value, lost.new_value) == (
        "conflict_lost",
        ours,
        theirs,
    )
    assert await logged(engine, mark, "conflict", contact.id, ours, theirs)


async def test_conflict_agent_changed_after_hubspot_wins(
    engine: SyncEngine, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 16)
    theirs = other_value(contact.disposition)
    ours = other_value(contact.disposition, avoid=(theirs,))
    changed_at = hubspot_change(portal, "16", theirs)
    with monkeypatch.context() as clock:
        clock.setattr("talkapp.sync.engine.now_ms", lambda: changed_at + 1)
        await engine.set_disposition(contact.id, ours)
    mark = await log_mark(engine)

    summary = await engine.sync_once()

    assert summary.pushed == 1
    assert hubspot_value(portal, 16) == ours
    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (ours, SyncState.SYNCED)
    # HubSpot's value was overwritten there: it is on record, not lost.
    pushed = await last_history(engine, contact.id)
    assert (pushed.event, pushed.old_value, pushed.new_value) == (
        "pushed",
        theirs,
        ours,
    )
    assert await logged(engine, mark, "conflict", contact.id, theirs, ours)


async def test_conflict_tie_goes_to_hubspot(
    engine: SyncEngine, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 17)
    theirs = other_value(contact.disposition)
    ours = other_value(contact.disposition, avoid=(theirs,))
    changed_at = hubspot_change(portal, "17", theirs)
    with monkeypatch.context() as clock:
        clock.setattr("talkapp.sync.engine.now_ms", lambda: changed_at)
        await engine.set_disposition(contact.id, ours)

    summary = await engine.sync_once()

    assert summary.conflicts == 1
    assert hubspot_value(portal, 17) == theirs
    assert (await reload(engine, contact)).disposition == theirs
    lost = await last_history(engine, contact.id)
    assert (lost.event, lost.old_value) == ("conflict_lost", ours)


async def test_a_rejected_push_is_shown_and_not_retried(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 18)
    theirs = contact.disposition
    ours = other_value(theirs)
    await engine.set_disposition(contact.id, ours)
    set_options(portal, [row for row in default_options() if row[1] != ours])
    mark = await log_mark(engine)

    summary = await engine.sync_once()

    assert summary.rejected == 1
    assert hubspot_value(portal, 18) == theirs
    after = await reload(engine, contact)
    assert after.disposition == ours
    assert after.sync_state is SyncState.REJECTED
    assert after.sync_error is not None
    assert ours in after.sync_error
    assert "\n" not in after.sync_error
    rejected = await last_history(engine, contact.id)
    assert (rejected.event, rejected.new_value) == ("push_rejected", ours)
    assert after.sync_error in rejected.outcome
    assert await logged(engine, mark, "push_rejected", contact.id, ours)

    requests = Requests(simulator)
    await engine.sync_once()
    await engine.sync_once()
    assert requests.since()["batch_update"] == 0
    assert await engine.store.outbox_size() == 0


@pytest.mark.parametrize("fault", [{"offline": True}, {"error_rate": 1.0}])
async def test_hubspot_down_keeps_the_change_queued_until_it_is_back(
    engine: SyncEngine,
    sim_http: httpx.AsyncClient,
    portal: Portal,
    fault: dict[str, object],
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 19)
    theirs = contact.disposition
    ours = other_value(theirs)
    await engine.set_disposition(contact.id, ours)
    await patch_settings(sim_http, **fault)

    with pytest.raises(UnavailableError):
        await engine.sync_once()

    assert await engine.store.outbox_size() == 1
    assert (await reload(engine, contact)).sync_state is SyncState.PENDING
    assert hubspot_value(portal, 19) == theirs
    integration = await engine.integration()
    assert integration.last_sync_ok is False
    assert integration.last_error
    assert (await engine.sync_log())[-1].event == "sync_failed"

    await patch_settings(sim_http, offline=False, error_rate=0.0)
    summary = await engine.sync_once()

    assert summary.pushed == 1
    assert hubspot_value(portal, 19) == ours
    assert (await reload(engine, contact)).sync_state is SyncState.SYNCED
    assert (await engine.integration()).last_sync_ok is True


class FailingWrites(httpx.AsyncBaseTransport):
    """The simulator, except that batch updates fail (503) while ``down``."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down and request.url.path.endswith("/batch/update"):
            return httpx.Response(
                503,
                json={
                    "status": "error",
                    "message": "temporarily unavailable",
                    "category": "INTERNAL_ERROR",
                    "correlationId": "x",
                },
            )
        return await self.inner.handle_async_request(request)


async def test_a_push_that_fails_midway_is_retried_later(
    make_engine: EngineMaker,
    db_path: Path,
    sim_app: Starlette,
    portal: Portal,
) -> None:
    flaky = FailingWrites(sim_app)

    def factory(url: str, token: str) -> HubSpotClient:
        return HubSpotClient(
            url,
            token,
            transport=flaky,
            rate_limit=None,
            search_rate_limit=None,
            retry_wait_initial=0.001,
            retry_wait_max=0.005,
        )

    engine = make_engine(db_path, factory=factory)
    await engine.connect(URL, DEFAULT_TOKEN)
    await engine.sync_once()
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 20)
    theirs = contact.disposition
    ours = other_value(theirs)
    await engine.set_disposition(contact.id, ours)

    with pytest.raises(UnavailableError):
        await engine.sync_once()

    assert await engine.store.outbox_size() == 1
    assert (await reload(engine, contact)).sync_state is SyncState.PENDING
    assert hubspot_value(portal, 20) == theirs
    assert any(e.event == "push_delayed" for e in await engine.sync_log())

    flaky.down = False
    summary = await engine.sync_once(retry_now=True)  # "Sync now"

    assert summary.pushed == 1
    assert hubspot_value(portal, 20) == ours
    assert (await reload(engine, contact)).sync_state is SyncState.SYNCED


async def test_a_push_for_a_contact_deleted_in_hubspot_is_rejected_once(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 21)
    ours = other_value(contact.disposition)
    await engine.set_disposition(contact.id, ours)
    portal.archive(21)

    summary = await engine.sync_once()

    assert summary.rejected == 1
    after = await reload(engine, contact)
    assert after.sync_state is SyncState.REJECTED
    assert after.sync_error
    assert "no longer exists" in after.sync_error
    assert (await last_history(engine, contact.id)).event == "push_rejected"
    requests = Requests(simulator)
    await engine.sync_once()
    assert requests.since()["batch_read"] == 0
    assert await engine.store.outbox_size() == 0


async def test_a_rejected_value_is_replaced_by_hubspots_next_change(
    engine: SyncEngine, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 22)
    ours = other_value(contact.disposition)
    await engine.set_disposition(contact.id, ours)
    kept = [row for row in default_options() if row[1] != ours]
    set_options(portal, kept)
    await engine.sync_once()
    newer = other_value(contact.disposition, avoid=(ours,))

    hubspot_change(portal, "22", newer)
    await engine.sync_once()

    after = await reload(engine, contact)
    assert (after.disposition, after.sync_state) == (newer, SyncState.SYNCED)
    assert after.sync_error is None
    overwritten = await last_history(engine, contact.id)
    assert (overwritten.event, overwritten.old_value) == ("overwritten", ours)


async def test_hubspot_changes_are_announced_to_observers(
    engine: SyncEngine, portal: Portal
) -> None:
    recorder = Recorder()
    engine.observers.subscribe(recorder)
    contact = await by_hubspot_id(engine, 23)

    hubspot_change(portal, "23", other_value(contact.disposition))
    set_options(portal, list(reversed(default_options())))
    await engine.sync_once()

    changed = {i for (ids,) in recorder.named("contacts_changed") for i in ids}
    assert contact.id in changed
    assert recorder.named("statuses_changed")
    assert len(recorder.named("sync_finished")) == 1
