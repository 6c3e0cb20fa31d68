"""The client against the HubSpot simulator, in-process and over loopback."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from talkapp.hubspot import (
    AuthenticationError,
    Filter,
    FilterGroup,
    HubSpotClient,
    MissingScopeError,
    NotFoundError,
    PropertyOption,
    SearchRequest,
    UnavailableError,
    ValidationError,
)
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer

SIM_URL = "http://simulator.test"
DEFAULT_STATUSES = [
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
]


class Sim:
    """One in-process simulator with a client on it, and QA knobs."""

    def __init__(self, config: SimulatorConfig, **client_options: Any) -> None:
        self.app = create_app(config)
        self.portal = self.app.state.portal
        self.transport = httpx.ASGITransport(app=self.app)
        client_options.setdefault("retry_wait_initial", 0.01)
        client_options.setdefault("retry_wait_max", 0.05)
        self.client = self.client_with(config.token, **client_options)

    def client_with(self, token: str, **options: Any) -> HubSpotClient:
        return HubSpotClient(SIM_URL, token, transport=self.transport, **options)

    async def settings(self, **changes: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(transport=self.transport, base_url=SIM_URL) as qa:
            response = await qa.patch("/_simulator/settings", json=changes)
        response.raise_for_status()
        return response.json()


@asynccontextmanager
async def simulated(**config: Any) -> AsyncIterator[Sim]:
    client_options = config.pop("client", {})
    config.setdefault("token", DEFAULT_TOKEN)
    sim = Sim(SimulatorConfig(**config), **client_options)
    async with sim.client:
        yield sim


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    async with simulated(contacts=300, seed=1) as sim:
        yield sim


async def test_check_access_with_a_full_token(sim: Sim) -> None:
    info = await sim.client.check_access()

    assert info.hub_id == 62515
    assert "crm.objects.contacts.write" in info.scopes


async def test_a_bad_token_is_refused(sim: Sim) -> None:
    async with sim.client_with("pat-na1-wrong") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.check_access()
        with pytest.raises(AuthenticationError):
            await client.get_property()

    assert str(caught.value) == "HubSpot rejected the access token (401)"


async def test_a_token_without_write_scope_is_named() -> None:
    tokens = {"read-only": ("crm.objects.contacts.read", "crm.schemas.contacts.read")}
    async with (
        simulated(contacts=5, tokens=tokens) as sim,
        sim.client_with("read-only") as client,
    ):
        with pytest.raises(MissingScopeError) as at_connect:
            await client.check_access()
        with pytest.raises(MissingScopeError) as on_write:
            await client.update_contact(1, {"hs_lead_status": "OPEN"})

    assert at_connect.value.missing == ["crm.objects.contacts.write"]
    assert on_write.value.missing == ["crm.objects.contacts.write"]


async def test_list_pages_through_every_contact(sim: Sim) -> None:
    ids = [c.id async for c in sim.client.iter_contacts(["hs_lead_status"])]

    assert len(ids) == len(set(ids)) == 300
    assert sim.client.stats.by_kind["list"] == math.ceil(300 / 100)


async def test_contact_lifecycle(sim: Sim) -> None:
    client = sim.client

    created = await client.create_contact(
        {"email": "ada@example.com", "hs_lead_status": "NEW"}
    )
    updated = await client.update_contact(created.id, {"hs_lead_status": "CONNECTED"})
    fetched = await client.get_contact(
        created.id, ["email"], properties_with_history=["hs_lead_status"]
    )
    await client.archive_contact(created.id)

    assert updated.properties["hs_lead_status"] == "CONNECTED"
    history = fetched.properties_with_history["hs_lead_status"]
    assert [h.value for h in history] == ["CONNECTED", "NEW"]  # newest first
    with pytest.raises(NotFoundError):
        await client.get_contact(created.id)


async def test_lead_status_options_can_be_read_and_edited(sim: Sim) -> None:
    prop = await sim.client.get_property("hs_lead_status")
    assert [o.value for o in prop.visible_options()] == DEFAULT_STATUSES

    options = [
        o.model_copy(update={"label": "Tried to call"})
        if o.value == "ATTEMPTED_TO_CONTACT"
        else o
        for o in prop.options
        if o.value != "BAD_TIMING"
    ]
    options.append(PropertyOption(label="Hidden", value="HIDDEN", hidden=True))
    await sim.client.update_property("hs_lead_status", options=options)
    after = await sim.client.get_property()

    labels = {o.value: o.label for o in after.visible_options()}
    assert labels["ATTEMPTED_TO_CONTACT"] == "Tried to call"
    assert "BAD_TIMING" not in labels
    assert "HIDDEN" not in labels
    assert "hs_lead_status" in {p.name for p in await sim.client.list_properties()}


async def test_an_unknown_option_names_the_allowed_ones(sim: Sim) -> None:
    with pytest.raises(ValidationError) as caught:
        await sim.client.update_contact(1, {"hs_lead_status": "FOO"})

    assert caught.value.property_name == "hs_lead_status"
    assert caught.value.invalid_value == "FOO"
    assert caught.value.allowed_options == DEFAULT_STATUSES


async def test_batch_read_and_update_with_partial_failures(sim: Sim) -> None:
    ids = [*range(1, 151), 999_999]
    read = await sim.client.batch_read(
        ids, ["hs_lead_status"], properties_with_history=["hs_lead_status"]
    )
    assert len(read.results) == 150
    assert [(e.category, e.ids) for e in read.errors] == [
        ("OBJECT_NOT_FOUND", ["999999"])
    ]
    assert sim.client.stats.by_kind["batch_read"] == math.ceil(151 / 50)

    inputs = [
        (i, {"hs_lead_status": "FOO" if i == 7 else "OPEN"}) for i in range(1, 121)
    ]
    updated = await sim.client.batch_update(inputs)

    assert len(updated.results) == 119
    assert all(c.properties["hs_lead_status"] == "OPEN" for c in updated.results)
    (error,) = updated.errors
    assert (error.category, error.ids) == ("VALIDATION_ERROR", ["7"])
    assert error.allowed_options == DEFAULT_STATUSES
    assert sim.client.stats.by_kind["batch_update"] == 2


async def test_search_with_filters(sim: Sim) -> None:
    request = SearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="hs_lead_status", operator="EQ", value="NEW")
                ]
            )
        ],
        properties=["hs_lead_status"],
        limit=200,
    )
    expected = sum(
        c.properties.get("hs_lead_status") == "NEW"
        for c in sim.portal.contacts.values()
    )

    page = await sim.client.search(request)
    everything = [
        c
        async for c in sim.client.iter_search_contacts(
            request.filter_groups, properties=["hs_lead_status"]
        )
    ]

    assert page.total == expected == len(everything)
    assert {c.properties["hs_lead_status"] for c in everything} == {"NEW"}


async def test_search_past_10000_results() -> None:
    """12,000 contacts, 10,600 of them imported in the same millisecond."""
    async with simulated(
        contacts=12_000, rate_limit=0, client={"search_rate_limit": None}
    ) as sim:
        by_id = [c.id async for c in sim.client.iter_search_contacts()]
        id_requests = sim.client.stats.by_kind["search"]

        sim.portal.batch_update(
            [(str(i), {"company": "Talk Imports"}) for i in range(1_000, 11_600)]
        )
        stamps = Counter(
            c.properties["lastmodifieddate"] for c in sim.portal.contacts.values()
        )
        assert stamps.most_common(1)[0][1] == 10_600
        by_stamp = [
            c.id
            async for c in sim.client.iter_search_contacts(
                sort_property="lastmodifieddate"
            )
        ]

    everyone = Counter(str(i) for i in range(1, 12_001))
    assert Counter(by_id) == everyone
    assert id_requests == math.ceil(12_000 / 200)
    assert Counter(by_stamp) == everyone


async def test_rate_limit_with_and_without_client_pacing() -> None:
    """Simulator allows 10 per 10 s. Without pacing the client rides out the
    429s; with matching pacing it never sees one. Both run at once (~10 s)."""

    async def burst(rate_limit: int | None) -> HubSpotClient:
        async with simulated(
            contacts=20, rate_limit=10, client={"rate_limit": rate_limit}
        ) as sim:
            contacts = await asyncio.gather(
                *(sim.client.get_contact(i) for i in range(1, 13))
            )
            assert [c.id for c in contacts] == [str(i) for i in range(1, 13)]
            return sim.client

    unpaced, paced = await asyncio.gather(burst(None), burst(10))

    assert unpaced.stats.rate_limited >= 2
    assert paced.stats.rate_limited == 0
    assert paced.stats.requests == 12


async def test_random_server_errors_are_retried_through() -> None:
    async with simulated(
        contacts=300, error_rate=0.3, client={"max_attempts": 10}
    ) as sim:
        ids = [c.id async for c in sim.client.iter_contacts()]
        for i in range(1, 11):
            await sim.client.update_contact(i, {"hs_lead_status": "CONNECTED"})

    assert len(ids) == 300
    assert sim.client.stats.server_errors > 0
    assert sim.client.stats.retries == sim.client.stats.server_errors


async def test_offline_simulator_is_unavailable(sim: Sim) -> None:
    await sim.settings(offline=True)

    with pytest.raises(UnavailableError) as caught:
        await sim.client.get_property()

    assert str(caught.value).startswith(f"HubSpot is unavailable at {SIM_URL}: 503")


async def test_search_lags_behind_writes(sim: Sim) -> None:
    await sim.settings(search_lag_ms=300)
    email = "lagging@example.com"
    request = SearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[Filter(property_name="email", operator="EQ", value=email)]
            )
        ]
    )

    await sim.client.create_contact({"email": email})
    first = await sim.client.search(request)
    async with asyncio.timeout(5):
        # Search lag has no event to wait on: polling is what callers must do.
        while (await sim.client.search(request)).total == 0:
            await asyncio.sleep(0.05)

    assert first.total == 0


@pytest.mark.loopback
async def test_over_loopback_and_after_the_server_stops() -> None:
    app = create_app(SimulatorConfig(token=DEFAULT_TOKEN, contacts=250))
    with LoopbackServer(app) as server:
        url = server.url
        async with HubSpotClient(url, DEFAULT_TOKEN) as client:
            await client.check_access()
            pages = [p async for p in client.iter_contact_pages()]
            contact = await client.update_contact(3, {"hs_lead_status": "OPEN_DEAL"})
            assert client.stats.by_kind["list"] == 3
            assert sum(len(p.results) for p in pages) == 250
            assert contact.properties["hs_lead_status"] == "OPEN_DEAL"

    async with HubSpotClient(url, DEFAULT_TOKEN, retry_wait_initial=0.01) as client:
        with pytest.raises(UnavailableError) as caught:
            await client.get_property()

    assert str(caught.value) == f"HubSpot is unreachable at {url}: connection refused"


@pytest.mark.parametrize("keyset", [False, True])
async def test_keyset_walk_survives_writes_mid_walk(keyset: bool) -> None:
    """A contact modified mid-walk moves to the end of a lastmodifieddate order.

    With offset paging every later page shifts by one and a contact at the
    page boundary is skipped; a keyset walk re-anchors each page and so
    sees every contact.
    """
    async with simulated(contacts=600, seed=3, rate_limit=0) as sim:
        since = [Filter(property_name="lastmodifieddate", operator="GTE", value="0")]
        pages = sim.client.iter_search(
            [FilterGroup(filters=since)],
            sort_property="lastmodifieddate",
            page_size=100,
            keyset=keyset,
        )
        seen: list[str] = []
        async for page in pages:
            seen += [contact.id for contact in page.results]
            if len(seen) == 100:
                sim.portal.update(seen[10], {"hs_lead_status": "CONNECTED"})

    missing = set(map(str, range(1, 601))) - set(seen)
    if keyset:
        assert not missing
        # The modified contact comes again, with its new timestamp; no other.
        assert [i for i, n in Counter(seen).items() if n > 1] == [seen[10]]
    else:
        assert missing, "offset paging was expected to skip a shifted contact"
