"""What a sync costs in HubSpot requests: a first sync lists every contact
once, later syncs search only what changed, pushes go in batches."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from sync_helpers import (
    URL,
    EngineMaker,
    Recorder,
    Requests,
    asgi_client_factory,
    assert_copied,
    hubspot_value,
    other_value,
)

from talkapp.hubspot import HubSpotClient
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.store.models import SyncState
from talkapp.sync.engine import SyncEngine

N = 1_000
# Walking a search keyset-style costs a few queries more than ceil(k / 200):
# one that finds a page ended inside a group sharing one timestamp, and one
# that finds nothing after the last change.
SEARCH_OVERHEAD = 3


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(token=DEFAULT_TOKEN, contacts=N, seed=2, rate_limit=0)


async def test_first_sync_lists_every_contact_once(
    fresh_engine: SyncEngine, simulator: Simulator
) -> None:
    await fresh_engine.connect(URL, DEFAULT_TOKEN)
    requests = Requests(simulator)

    summary = await fresh_engine.sync_once()

    counts = requests.since()
    assert counts["list"] == math.ceil(N / 100)
    assert sum(counts.values()) <= math.ceil(N / 100) + 3
    assert summary.pulled == N
    assert len(await fresh_engine.contacts()) == N


async def test_first_sync_copies_every_contact_as_hubspot_has_it(
    fresh_engine: SyncEngine, portal: Portal
) -> None:
    recorder = Recorder()
    fresh_engine.observers.subscribe(recorder)
    await fresh_engine.connect(URL, DEFAULT_TOKEN)

    await fresh_engine.sync_once()

    talk = await fresh_engine.contacts()
    told = [i for (ids,) in recorder.named("contacts_changed") for i in ids]
    assert sorted(told) == [c.id for c in talk]
    assert len(talk) == N
    assert_copied(talk, portal)


async def new_values(engine: SyncEngine, portal: Portal, ids: range) -> dict[str, str]:
    """A different lead status for each HubSpot id, from what Talk shows now."""
    talk = {c.hubspot_id: c.disposition for c in await engine.contacts()}
    return {str(i): other_value(talk[str(i)]) for i in ids}


async def assert_in_talk(engine: SyncEngine, expected: dict[str, str]) -> None:
    talk = {c.hubspot_id: c.disposition for c in await engine.contacts()}
    assert {i: talk[i] for i in expected} == expected


async def qa_import(sim_http: httpx.AsyncClient, values: dict[str, str]) -> None:
    """Change many lead statuses under one timestamp, as a HubSpot import does."""
    inputs = [{"id": i, "properties": {"hs_lead_status": v}} for i, v in values.items()]
    answer = await sim_http.post("/_simulator/import", json={"inputs": inputs})
    answer.raise_for_status()


@pytest.mark.parametrize("k", [1, 250, N])
async def test_incremental_sync_searches_only_the_changes(
    engine: SyncEngine, simulator: Simulator, portal: Portal, k: int
) -> None:
    expected = await new_values(engine, portal, range(1, k + 1))
    for hubspot_id, value in expected.items():
        portal.update(hubspot_id, {"hs_lead_status": value}, "CRM_UI")
    # Changes made this fast share milliseconds, as a burst of edits does in
    # HubSpot. A search page ending inside such a group is read on from that
    # millisecond, so each search brings at least 200 - widest new contacts.
    stamps = Counter(portal.get(i).properties["lastmodifieddate"] for i in expected)
    floor = math.ceil(k / (200 - max(stamps.values())))
    requests = Requests(simulator)

    summary = await engine.sync_once()

    counts = requests.since()
    assert counts["list"] == 0
    assert counts["search"] <= floor + SEARCH_OVERHEAD
    assert sum(counts.values()) <= floor + SEARCH_OVERHEAD + 1
    assert summary.changed == k
    await assert_in_talk(engine, expected)


@pytest.mark.parametrize("k", [450, N])
async def test_an_import_sharing_one_timestamp_arrives_in_one_search_per_200(
    engine: SyncEngine,
    simulator: Simulator,
    portal: Portal,
    sim_http: httpx.AsyncClient,
    k: int,
) -> None:
    expected = await new_values(engine, portal, range(N - k + 1, N + 1))
    await qa_import(sim_http, expected)
    stamps = {portal.get(i).properties["lastmodifieddate"] for i in expected}
    assert len(stamps) == 1
    requests = Requests(simulator)

    summary = await engine.sync_once()

    counts = requests.since()
    assert counts["list"] == 0
    assert counts["search"] <= math.ceil(k / 200) + SEARCH_OVERHEAD
    assert summary.changed == k
    await assert_in_talk(engine, expected)


async def test_more_changes_at_one_timestamp_than_one_search_can_page(
    make_engine: EngineMaker,
    db_path: Path,
    sim_app: Starlette,
    portal: Portal,
    sim_http: httpx.AsyncClient,
) -> None:
    # HubSpot stops paging a search at 10,000 results; here the cap is 200,
    # so 450 contacts at one millisecond overflow it as 10,001 would.
    def capped(url: str, token: str) -> HubSpotClient:
        client = asgi_client_factory(sim_app)(url, token)
        client.search_result_cap = 200
        return client

    engine = make_engine(db_path, factory=capped)
    await engine.connect(URL, DEFAULT_TOKEN)
    await engine.sync_once()
    expected = await new_values(engine, portal, range(300, 750))
    inputs = [
        {"id": i, "properties": {"hs_lead_status": v}} for i, v in expected.items()
    ]
    (
        await sim_http.post("/_simulator/import", json={"inputs": inputs})
    ).raise_for_status()

    summary = await engine.sync_once()

    assert summary.changed == 450
    await assert_in_talk(engine, expected)


async def test_push_goes_in_batches(
    engine: SyncEngine, simulator: Simulator, portal: Portal
) -> None:
    m = 150
    await engine.set_direction("two-way")
    contacts = (await engine.contacts())[:m]
    expected = {}
    for contact in contacts:
        value = other_value(contact.disposition)
        await engine.set_disposition(contact.id, value)
        expected[contact.hubspot_id] = value
    requests = Requests(simulator)

    summary = await engine.sync_once()

    counts = requests.since()
    assert counts["batch_update"] == math.ceil(m / 100)
    assert counts["batch_read"] == math.ceil(m / 50)
    assert summary.pushed == m
    assert {i: hubspot_value(portal, i) for i in expected} == expected
    states = {c.sync_state for c in await engine.contacts() if c.hubspot_id in expected}
    assert states == {SyncState.SYNCED}
