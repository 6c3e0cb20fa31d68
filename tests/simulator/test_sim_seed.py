"""Seeded portals: deterministic, realistic, and fast to build."""

from __future__ import annotations

import re
import time
from collections import Counter

import httpx
from sim_helpers import BASE, DEFAULT_LEAD_STATUSES, list_all, portal_client

from talkapp.simulator import Portal, SimulatorConfig, create_app

EMAIL = re.compile(r"^[a-z.\-']+\d+@[a-z.]+\.[a-z]+$")
PHONE = re.compile(r"^\+1 555 \d{3} \d{4}$")
NAME = re.compile(r"^[A-Z][A-Za-z' ]+$")


def everyone(portal: Portal) -> dict[int, dict[str, str]]:
    return {i: dict(c.properties) for i, c in portal.contacts.items()}


def test_same_seed_same_contacts_different_seed_different() -> None:
    first = everyone(Portal(contacts=200, seed=11))
    again = everyone(Portal(contacts=200, seed=11))
    other = everyone(Portal(contacts=200, seed=12))

    assert first == again
    assert first != other
    assert sum(first[i] != other[i] for i in first) > 150


async def test_same_seed_same_answers_over_http() -> None:
    pages = []
    for _ in range(2):
        async with portal_client(contacts=120, seed=5) as client:
            pages.append(
                await list_all(client, properties="email,phone,hs_lead_status")
            )

    assert pages[0] == pages[1]


async def test_seeded_contacts_look_real(sim_http: httpx.AsyncClient) -> None:
    contacts = await list_all(
        sim_http, properties="firstname,lastname,email,phone,company,hs_lead_status"
    )

    assert len(contacts) == 300
    for contact in contacts:
        props = contact["properties"]
        assert NAME.match(props["firstname"]), props
        assert NAME.match(props["lastname"]), props
        assert EMAIL.match(props["email"]), props
        assert PHONE.match(props["phone"]), props
        assert props["company"]
        assert props["hs_lead_status"] in DEFAULT_LEAD_STATUSES
        assert props["createdate"] == props["lastmodifieddate"]
    assert len({c["properties"]["email"] for c in contacts}) == 300
    assert len({c["properties"]["firstname"] for c in contacts}) > 20
    statuses = Counter(c["properties"]["hs_lead_status"] for c in contacts)
    assert set(statuses) == set(DEFAULT_LEAD_STATUSES)
    created = [int(c["properties"]["createdate"]) for c in contacts]
    assert created == sorted(created)
    assert len(set(created)) == 300


def test_one_hundred_thousand_contacts_in_a_few_seconds() -> None:
    started = time.perf_counter()
    app = create_app(SimulatorConfig(contacts=100_000, seed=1))
    took = time.perf_counter() - started

    portal = app.state.portal
    assert took < 10.0, f"seeding 100,000 contacts took {took:.1f} s"
    assert portal.count() == 100_000
    assert min(portal.contacts) == 1
    assert max(portal.contacts) == 100_000
    statuses = Counter(c.properties["hs_lead_status"] for c in portal.contacts.values())
    assert set(statuses) == set(DEFAULT_LEAD_STATUSES)
    # Every status is well represented, none dominates.
    assert min(statuses.values()) > 3_000
    assert max(statuses.values()) < 40_000


async def test_new_contacts_get_ids_after_the_seeded_ones() -> None:
    async with portal_client(contacts=40) as client:
        response = await client.post(BASE, json={"properties": {"firstname": "Zed"}})

    assert response.json()["id"] == "41"
