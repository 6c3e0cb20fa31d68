"""Connecting or disconnecting while a sync runs stops that sync first.

What a user would notice if it did not: a disconnect that waits out a
100-second sync, or one after which contacts keep arriving; after switching
to another portal, a cursor of the old one stored, so the new portal's first
sync is skipped; "Sync failed" right after a reconnect that worked; contacts
written but missing from the window; a store writer process left running.
Each case runs with the pages written here and by a store writer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from sync_helpers import (
    URL,
    EngineMaker,
    ListPages,
    Recorder,
    assert_copied,
    assert_written_up_to_the_cursor,
    gone,
    has_at_least,
    until,
)

from talkapp.hubspot import AuthenticationError, HubSpotClient
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.portal import Portal
from talkapp.simulator.testing import QUICK
from talkapp.sync.engine import SyncEngine
from talkapp.sync.summary import SyncSummary
from talkapp.sync.writer import StoreWriter

N = 1_000  # ten list pages
OTHER_URL = "http://other-portal.test"
OTHER_N = 250


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(token=DEFAULT_TOKEN, contacts=N, seed=3, rate_limit=0)


@pytest.fixture(params=["here", "by a writer"])
def walk(request: pytest.FixtureRequest) -> list[StoreWriter]:
    """Where the walk's pages are written; the store writers started (none
    when they are written here)."""
    if request.param == "here":
        return []
    request.getfixturevalue("one_run_per_page")
    started: list[StoreWriter] = request.getfixturevalue("writers")
    return started


@pytest.fixture
def other_app() -> Starlette:
    """A second HubSpot portal, smaller, with contacts of its own."""
    config = SimulatorConfig(
        token=DEFAULT_TOKEN, contacts=OTHER_N, seed=8, rate_limit=0, portal_id=777
    )
    return create_app(config)


@pytest.fixture
async def talk(
    make_engine: EngineMaker,
    db_path: Path,
    pages: ListPages,
    other_app: Starlette,
) -> SyncEngine:
    """Connected to the first portal, never synced; the second answers at
    ``OTHER_URL``."""
    other = httpx.ASGITransport(app=other_app)

    def factory(url: str, token: str) -> HubSpotClient:
        transport = other if url == OTHER_URL else pages
        return HubSpotClient(url, token, transport=transport, **QUICK)

    engine = make_engine(db_path, factory=factory)
    await engine.connect(URL, DEFAULT_TOKEN)
    return engine


@pytest.fixture
def recorder(talk: SyncEngine) -> Recorder:
    recorder = Recorder()
    talk.observers.subscribe(recorder)
    return recorder


def hold_page(pages: ListPages, first: int, talk: SyncEngine) -> asyncio.Event:
    """Hold the page starting at contact ``first`` until the returned event
    is set, once every page before it is written; ``pages.held`` is set
    while it waits."""
    release = asyncio.Event()
    pages.held = asyncio.Event()  # type: ignore[attr-defined]

    async def hold() -> None:
        await until(lambda: has_at_least(talk, first - 1))
        pages.held.set()  # type: ignore[attr-defined]
        await release.wait()

    pages.before[first] = hold
    return release


def told(recorder: Recorder) -> list[int]:
    return sorted(i for (ids,) in recorder.named("contacts_changed") for i in ids)


async def test_disconnecting_stops_a_running_sync_at_once(
    talk: SyncEngine,
    pages: ListPages,
    portal: Portal,
    recorder: Recorder,
    walk: list[StoreWriter],
) -> None:
    hold_page(pages, 501, talk)  # never let go
    sync = asyncio.ensure_future(talk.sync_once())
    await pages.held.wait()  # type: ignore[attr-defined]

    await talk.disconnect()

    assert sync.done()
    summary = sync.result()
    assert summary.stopped == "HubSpot was disconnected"
    assert summary.line().startswith("Full sync stopped after")
    integration = await talk.integration()
    assert integration.state == "disconnected"
    assert (integration.last_sync_ok, integration.last_error) == (None, None)
    assert recorder.named("sync_failed") == []
    assert recorder.named("sync_finished") == [(summary,)]
    written = await assert_written_up_to_the_cursor(talk, portal)
    assert written == summary.pulled == 500
    assert told(recorder) == [c.id for c in await talk.contacts()]
    events = [e.event for e in await talk.sync_log(10)]
    assert events[-2:] == ["sync_stopped", "disconnected"]
    for started in walk:
        await until(lambda: gone(started.pid))  # noqa: B023

    pages.before = {}
    await talk.connect(URL, DEFAULT_TOKEN)
    await talk.sync_once()
    assert_copied(await talk.contacts(), portal)
    assert told(recorder) == [c.id for c in await talk.contacts()]


async def test_switching_portals_mid_sync_keeps_nothing_of_the_old_walk(
    talk: SyncEngine,
    pages: ListPages,
    recorder: Recorder,
    walk: list[StoreWriter],
) -> None:
    # The old portal's last page, fetched after the switch, would end its
    # walk and store its cursor: the new portal would never be listed.
    release = hold_page(pages, 901, talk)
    sync = asyncio.ensure_future(talk.sync_once())
    await pages.held.wait()  # type: ignore[attr-defined]

    await talk.connect(OTHER_URL, DEFAULT_TOKEN)
    release.set()

    assert sync.done()
    assert sync.result().stopped == "HubSpot was reconnected"
    integration = await talk.integration()
    assert integration.portal_id == 777
    assert integration.cursor_ms is None
    assert integration.full_sync_after is None
    summary = await talk.sync_once()
    assert (summary.full, summary.pulled) == (True, OTHER_N)
    assert recorder.named("sync_failed") == []


async def test_a_reconnect_that_fails_leaves_the_running_sync_alone(
    talk: SyncEngine,
    pages: ListPages,
    portal: Portal,
    walk: list[StoreWriter],
) -> None:
    release = hold_page(pages, 501, talk)
    sync = asyncio.ensure_future(talk.sync_once())
    await pages.held.wait()  # type: ignore[attr-defined]

    with pytest.raises(AuthenticationError):
        await talk.connect(URL, "not-a-token")
    assert not sync.done()
    release.set()

    summary = await sync
    assert (summary.stopped, summary.pulled) == (None, N)
    assert_copied(await talk.contacts(), portal)


async def test_closing_talk_stops_a_running_sync_which_resumes_next_time(
    talk: SyncEngine,
    pages: ListPages,
    portal: Portal,
    walk: list[StoreWriter],
) -> None:
    hold_page(pages, 501, talk)  # never let go
    stop = asyncio.Event()
    runner = asyncio.ensure_future(talk.run(stop, interval=60))
    await pages.held.wait()  # type: ignore[attr-defined]

    stop.set()
    await talk.stop_syncing("Talk is closing")
    await asyncio.wait_for(runner, 20)  # ends only if the held sync was stopped

    [last] = await talk.sync_log(1)
    assert (last.event, "(Talk is closing)" in last.message) == ("sync_stopped", True)
    assert await assert_written_up_to_the_cursor(talk, portal) == 500
    for started in walk:
        await until(lambda: gone(started.pid))  # noqa: B023
    pages.before = {}
    summary = await talk.sync_once()
    assert (summary.full, summary.pulled) == (True, N - 500)
    assert_copied(await talk.contacts(), portal)


async def test_closing_talk_between_two_syncs_starts_no_other(
    talk: SyncEngine, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Talk closes while the sync loop reads the integration, just before a
    cycle: that cycle must not start, or closing would wait it out."""
    stop = asyncio.Event()
    read = talk.store.integration

    async def closing_meanwhile() -> Any:
        integration = await read()
        if not stop.is_set():
            stop.set()
            await talk.stop_syncing("Talk is closing")
        return integration

    monkeypatch.setattr(talk.store, "integration", closing_meanwhile)
    await asyncio.wait_for(talk.run(stop, interval=60), 20)

    assert recorder.named("sync_started") == []
    assert await talk.contacts() == []


async def test_a_run_being_written_when_the_sync_stops_is_kept_and_announced(
    talk: SyncEngine,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Written here: a writer process finishes its run on its own, and its
    # answer is read before it is stopped (see test_store_writer).
    caplog.set_level(logging.INFO, logger="talkapp.sync")
    writing, go_on = threading.Event(), threading.Event()
    apply = talk.store.sync.apply_hubspot

    def slow_apply(*args: Any, **kwargs: Any) -> list[int]:
        writing.set()
        go_on.wait(20)
        return apply(*args, **kwargs)

    talk.store.sync.apply_hubspot = slow_apply  # type: ignore[method-assign]
    sync = asyncio.ensure_future(talk.sync_once())
    await until(writing.is_set)

    reconnecting = asyncio.ensure_future(talk.connect(URL, DEFAULT_TOKEN))
    await until(lambda: "stopping the sync under way" in caplog.text)
    go_on.set()
    await reconnecting

    summary: SyncSummary = sync.result()
    assert summary.stopped == "HubSpot was reconnected"
    contacts = await talk.contacts()
    assert summary.pulled == len(contacts) > 0
    assert told(recorder) == [c.id for c in contacts]
