"""POST /crm/v3/objects/contacts/search: filters, sorts, paging, caps, lag."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_helpers import BASE, assert_error, portal_client, wait_for

from talkapp.simulator import Portal
from talkapp.simulator.search import search

SEARCH = f"{BASE}/search"

# Six hand-made contacts (ids 1..6) with known values; #5 has no lead status.
PEOPLE = [
    {"firstname": "Ada", "hs_lead_status": "NEW", "company": "Acme"},
    {"firstname": "Bob", "hs_lead_status": "OPEN", "company": "Acme"},
    {"firstname": "Cy", "hs_lead_status": "NEW", "company": "Blue"},
    {"firstname": "Di", "hs_lead_status": "CONNECTED"},
    {"firstname": "Ed"},
    {"firstname": "Flo", "hs_lead_status": "BAD_TIMING", "company": "Blue"},
]


def where(*filters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": list(filters)}], "limit": 100, **extra}


def f(name: str, operator: str, value: Any = None, **more: Any) -> dict[str, Any]:
    flt: dict[str, Any] = {"propertyName": name, "operator": operator, **more}
    if value is not None:
        flt["value"] = value
    return flt


async def found(client: httpx.AsyncClient, body: dict[str, Any]) -> list[int]:
    response = await client.post(SEARCH, json=body)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] >= len(page["results"])
    return [int(c["id"]) for c in page["results"]]


@pytest.fixture
async def people() -> AsyncIterator[httpx.AsyncClient]:
    """An empty portal (limits off) with the six PEOPLE created through the API."""
    async with portal_client(contacts=0, rate_limit=0) as client:
        for person in PEOPLE:
            response = await client.post(BASE, json={"properties": person})
            assert response.status_code == 201
        yield client


OPERATOR_CASES = {
    "EQ enum": (f("hs_lead_status", "EQ", "NEW"), [1, 3]),
    "EQ is case-insensitive": (f("firstname", "EQ", "ada"), [1]),
    "NEQ": (f("company", "NEQ", "Acme"), [3, 6]),
    "IN": (f("hs_lead_status", "IN", values=["OPEN", "CONNECTED"]), [2, 4]),
    "NOT_IN": (f("firstname", "NOT_IN", values=["Ada", "Bob", "Ed"]), [3, 4, 6]),
    "HAS_PROPERTY": (f("hs_lead_status", "HAS_PROPERTY"), [1, 2, 3, 4, 6]),
    "NOT_HAS_PROPERTY": (f("hs_lead_status", "NOT_HAS_PROPERTY"), [5]),
    "LT id": (f("hs_object_id", "LT", "3"), [1, 2]),
    "LTE id": (f("hs_object_id", "LTE", "3"), [1, 2, 3]),
    "GT id": (f("hs_object_id", "GT", "4"), [5, 6]),
    "GTE id": (f("hs_object_id", "GTE", "4"), [4, 5, 6]),
    "BETWEEN id": (f("hs_object_id", "BETWEEN", "2", highValue="4"), [2, 3, 4]),
    "EQ id": (f("hs_object_id", "EQ", 5), [5]),
}


@pytest.mark.parametrize(
    ("flt", "expected"), OPERATOR_CASES.values(), ids=OPERATOR_CASES.keys()
)
async def test_filter_operators(
    people: httpx.AsyncClient, flt: dict[str, Any], expected: list[int]
) -> None:
    # NEQ / NOT_IN are checked on contacts that all have the property, so the
    # test does not depend on how contacts without a value are treated.
    if flt["operator"] == "NEQ":
        body = where(flt, f("company", "HAS_PROPERTY"))
    else:
        body = where(flt)
    assert await found(people, body) == expected


async def test_filters_in_a_group_are_and_groups_are_or(
    people: httpx.AsyncClient,
) -> None:
    body = {
        "filterGroups": [
            {
                "filters": [
                    f("hs_lead_status", "EQ", "NEW"),
                    f("company", "EQ", "Blue"),
                ]
            },
            {"filters": [f("firstname", "EQ", "Di")]},
        ]
    }

    assert await found(people, body) == [3, 4]


async def test_date_filters_on_lastmodifieddate_and_createdate(
    people: httpx.AsyncClient,
) -> None:
    everyone = (await people.post(SEARCH, json={"limit": 100})).json()["results"]
    modified = {
        int(c["id"]): int(c["properties"]["lastmodifieddate"]) for c in everyone
    }
    created = {int(c["id"]): int(c["properties"]["createdate"]) for c in everyone}
    pivot = modified[3]
    changed = await people.patch(
        f"{BASE}/2", json={"properties": {"hs_lead_status": "UNQUALIFIED"}}
    )
    modified[2] = int(changed.json()["properties"]["lastmodifieddate"])

    def expect(test: Any) -> list[int]:
        return sorted(i for i, ms in modified.items() if test(ms))

    checks = [
        ("GT", pivot, lambda ms: ms > pivot),
        ("GTE", pivot, lambda ms: ms >= pivot),
        ("LT", pivot, lambda ms: ms < pivot),
        ("LTE", pivot, lambda ms: ms <= pivot),
        ("EQ", pivot, lambda ms: ms == pivot),
    ]
    for operator, value, test in checks:
        body = where(f("lastmodifieddate", operator, str(value)))
        assert await found(people, body) == expect(test), operator
    between = where(
        f("lastmodifieddate", "BETWEEN", str(pivot), highValue=str(modified[2]))
    )
    assert await found(people, between) == expect(lambda ms: pivot <= ms <= modified[2])
    assert 2 in await found(people, where(f("lastmodifieddate", "GT", str(pivot))))
    # createdate did not move with the update.
    assert await found(people, where(f("createdate", "GTE", str(pivot)))) == sorted(
        i for i, ms in created.items() if ms >= created[3]
    )


async def test_date_filter_accepts_iso_dates(people: httpx.AsyncClient) -> None:
    everything = await found(
        people, where(f("createdate", "GT", "2000-01-01T00:00:00Z"))
    )
    nothing = await found(people, where(f("createdate", "LT", "2000-01-01T00:00:00Z")))

    assert everything == [1, 2, 3, 4, 5, 6]
    assert nothing == []


SORT_CASES = {
    "string descending": (["-hs_object_id"], [6, 5, 4, 3, 2, 1]),
    "string ascending": (["createdate"], [1, 2, 3, 4, 5, 6]),
    "string descending createdate": (["-createdate"], [6, 5, 4, 3, 2, 1]),
    "object descending": (
        [{"propertyName": "firstname", "direction": "DESCENDING"}],
        [6, 5, 4, 3, 2, 1],
    ),
    "object ascending": (
        [{"propertyName": "firstname", "direction": "ASCENDING"}],
        [1, 2, 3, 4, 5, 6],
    ),
    "object company ascending, missing last": (
        [{"propertyName": "company", "direction": "ASCENDING"}],
        [1, 2, 3, 6, 4, 5],
    ),
}


@pytest.mark.parametrize(
    ("sorts", "expected"), SORT_CASES.values(), ids=SORT_CASES.keys()
)
async def test_sorts_in_both_forms(
    people: httpx.AsyncClient, sorts: list[Any], expected: list[int]
) -> None:
    assert await found(people, {"sorts": sorts, "limit": 10}) == expected


async def test_properties_choose_what_comes_back(people: httpx.AsyncClient) -> None:
    response = await people.post(
        SEARCH, json={"properties": ["hs_lead_status", "company"], "limit": 1}
    )

    contact = response.json()["results"][0]
    assert contact["properties"] == {
        "hs_lead_status": "NEW",
        "company": "Acme",
        "createdate": contact["properties"]["createdate"],
        "lastmodifieddate": contact["properties"]["lastmodifieddate"],
        "hs_object_id": "1",
    }
    assert set(contact) >= {"id", "properties", "createdAt", "updatedAt", "archived"}


async def test_archived_contacts_leave_search(people: httpx.AsyncClient) -> None:
    await people.delete(f"{BASE}/3")

    assert await found(people, where(f("hs_lead_status", "EQ", "NEW"))) == [1]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 201},
        {"limit": -1},
        {"limit": "ten"},
        {"after": "page-two"},
        where(f("hs_lead_status", "LIKE", "NEW")),
        where(f("no_such_property", "EQ", "x")),
        where(f("createdate", "GT", "yesterday")),
        where(f("hs_lead_status", "IN", "NEW")),
        {"sorts": [{"propertyName": "no_such_property"}]},
        {"sorts": [42]},
        {"filterGroups": "everything"},
        {"filterGroups": [{"filters": [f("firstname", "HAS_PROPERTY")]}] * 6},
        {"properties": "email"},
    ],
)
async def test_bad_search_is_400(people: httpx.AsyncClient, body: Any) -> None:
    assert_error(await people.post(SEARCH, json=body), 400, "VALIDATION_ERROR")


async def test_limit_up_to_200_and_paging_with_after_and_total() -> None:
    async with portal_client(rate_limit=0) as client:
        await page_through_search(client)


async def page_through_search(sim_http: httpx.AsyncClient) -> None:
    big = await sim_http.post(SEARCH, json={"limit": 200})
    assert big.status_code == 200
    assert len(big.json()["results"]) == 200
    assert big.json()["total"] == 300

    default = (await sim_http.post(SEARCH, json={})).json()
    assert len(default["results"]) == 10

    seen: list[int] = []
    after: str | None = None
    pages = 0
    while True:
        body: dict[str, Any] = {"limit": 70, "sorts": ["hs_object_id"]}
        if after is not None:
            body["after"] = after
        page = (await sim_http.post(SEARCH, json=body)).json()
        pages += 1
        assert page["total"] == 300
        seen += [int(c["id"]) for c in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert seen == list(range(1, 301))
    assert pages == 5


async def test_ten_thousand_result_cap() -> None:
    async with portal_client(contacts=10_500, rate_limit=0) as client:
        body: dict[str, Any] = {"limit": 200, "properties": ["hs_object_id"]}

        last_allowed = await client.post(SEARCH, json={**body, "after": "9800"})
        past_cap = await client.post(SEARCH, json={**body, "after": "9801"})
        beyond = await client.post(SEARCH, json={"limit": 1, "after": "10000"})

        assert last_allowed.status_code == 200
        page = last_allowed.json()
        assert page["total"] == 10_500
        assert len(page["results"]) == 200
        assert page["results"][-1]["id"] == "10000"
        assert_error(past_cap, 400, "VALIDATION_ERROR")
        # Following the last page's paging link pages past 10,000: also a 400.
        assert page["paging"]["next"]["after"] == "10000"
        assert_error(beyond, 400, "VALIDATION_ERROR")
        # Narrowing on hs_object_id reaches the rest, as HubSpot advises.
        rest = await client.post(
            SEARCH,
            json={
                **body,
                "filterGroups": [{"filters": [f("hs_object_id", "GT", "10000")]}],
            },
        )
        assert rest.json()["total"] == 500


async def test_search_lags_behind_writes() -> None:
    async with portal_client(contacts=50, search_lag_ms=300) as client:
        query = where(f("firstname", "EQ", "Lagging"))
        written = time.monotonic()
        response = await client.patch(
            f"{BASE}/10", json={"properties": {"firstname": "Lagging"}}
        )
        assert response.status_code == 200

        assert await found(client, query) == []
        # A direct read sees the write at once; only search lags.
        direct = await client.get(f"{BASE}/10")
        assert direct.json()["properties"]["firstname"] == "Lagging"

        async def visible() -> bool:
            return await found(client, query) == [10]

        await wait_for(visible, within=5.0, every=0.25)
        assert time.monotonic() - written >= 0.3


async def test_search_lag_shows_the_old_values_meanwhile() -> None:
    async with portal_client(contacts=50, search_lag_ms=300, rate_limit=0) as client:
        before = (
            await client.get(f"{BASE}/4", params={"properties": "company"})
        ).json()
        await client.patch(f"{BASE}/4", json={"properties": {"company": "Moved Inc"}})

        response = await client.post(
            SEARCH,
            json=where(f("hs_object_id", "EQ", "4"), properties=["company"]),
        )

        stale = response.json()["results"][0]
        assert stale["properties"]["company"] == before["properties"]["company"]
        assert stale["updatedAt"] == before["updatedAt"]


# -- the search function against a brute-force oracle --------------------------


@cache
def oracle_portal() -> Portal:
    """150 seeded contacts; 20 share one batch timestamp; 10 lost their status."""
    portal = Portal(contacts=150, seed=3)
    portal.batch_update([(str(i), {"company": "Batch"}) for i in range(40, 60)])
    portal.batch_update([(str(i), {"hs_lead_status": ""}) for i in range(90, 100)])
    return portal


NUMERIC = ["hs_object_id", "createdate", "lastmodifieddate"]
STATUSES = ["NEW", "OPEN", "CONNECTED", "BAD_TIMING", "UNQUALIFIED"]


@st.composite
def numeric_filter(draw: st.DrawFn) -> dict[str, Any]:
    portal = oracle_portal()
    name = draw(st.sampled_from(NUMERIC))
    values = sorted({int(c.properties[name]) for c in portal.contacts.values()})
    value = draw(st.sampled_from(values)) + draw(st.sampled_from([-1, 0, 0, 1]))
    operator = draw(st.sampled_from(["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN"]))
    flt: dict[str, Any] = {"propertyName": name, "operator": operator}
    flt["value"] = draw(st.sampled_from([value, str(value)]))
    if operator == "BETWEEN":
        flt["highValue"] = str(value + draw(st.integers(0, 3_000_000)))
    return flt


@st.composite
def status_filter(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(["EQ", "IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"]))
    flt: dict[str, Any] = {"propertyName": "hs_lead_status", "operator": operator}
    if operator == "EQ":
        flt["value"] = draw(st.sampled_from(STATUSES))
    elif operator == "IN":
        flt["values"] = draw(st.lists(st.sampled_from(STATUSES), min_size=1))
    return flt


def matches(props: dict[str, str], flt: dict[str, Any]) -> bool:
    raw = props.get(flt["propertyName"])
    operator = flt["operator"]
    if operator == "HAS_PROPERTY":
        return bool(raw)
    if operator == "NOT_HAS_PROPERTY":
        return not raw
    if flt["propertyName"] not in NUMERIC:
        wanted = flt.get("values") or [flt.get("value")]
        return raw in wanted
    have, value = int(raw or 0), int(flt["value"])
    return {
        "EQ": have == value,
        "NEQ": have != value,
        "LT": have < value,
        "LTE": have <= value,
        "GT": have > value,
        "GTE": have >= value,
        "BETWEEN": value <= have <= int(flt.get("highValue", 0)),
    }[operator]


@settings(max_examples=150, deadline=None)
@given(
    groups=st.lists(
        st.lists(st.one_of(numeric_filter(), status_filter()), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
    descending=st.booleans(),
)
def test_search_matches_a_brute_force_oracle(
    groups: list[list[dict[str, Any]]], descending: bool
) -> None:
    portal = oracle_portal()
    body = {
        "filterGroups": [{"filters": g} for g in groups],
        "sorts": [
            {
                "propertyName": "lastmodifieddate",
                "direction": "DESCENDING" if descending else "ASCENDING",
            }
        ],
        "limit": 200,
    }

    result = search(portal.index, body, set(portal.properties))

    expected = [
        c.id
        for c in portal.contacts.values()
        if any(all(matches(c.properties, flt) for flt in g) for g in groups)
    ]
    expected.sort(
        key=lambda i: (int(portal.contacts[i].properties["lastmodifieddate"]), i),
        reverse=descending,
    )
    assert result.total == len(expected)
    assert result.ids == expected
    assert result.after is None
