"""Walking a search past HubSpot's 10,000-result cap: every match, once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest
from hubspot_fakes import BASE_URL, SECRET, MakeClient
from hubspot_search_fake import FakeSearch, docs_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkapp.hubspot import Filter, FilterGroup, HubSpotClient

T0 = 1_796_313_600_000  # 2026-12-03T16:00:00Z in epoch ms


def big_portal() -> dict[int, dict[str, str]]:
    """25,000 contacts: 3,000 distinct stamps, then 12,000 sharing one stamp
    (more than a whole 10,000-window), 40 groups of 150, and 4,000 sharing
    the last stamp. Stamps are dealt to ids at random."""
    stamps = (
        [T0 + k for k in range(3_000)]
        + [T0 + 5_000] * 12_000
        + [T0 + 6_000 + k // 150 for k in range(6_000)]
        + [T0 + 9_000] * 4_000
    )
    random.Random(3).shuffle(stamps)
    return docs_from(dict(enumerate(stamps, start=1)))


async def collect(client: HubSpotClient, **kw) -> tuple[list[str], list]:
    pages = [page async for page in client.iter_search(**kw)]
    return [c.id for p in pages for c in p.results], pages


async def test_unique_key_re_anchors_on_greater_than(make_client: MakeClient) -> None:
    fake = FakeSearch(big_portal())
    client = make_client(fake)

    ids, pages = await collect(client)

    assert Counter(ids) == Counter(str(i) for i in range(1, 25_001))
    assert ids == sorted(ids, key=int)
    assert pages[0].total == 25_000
    assert pages[-1].after is None
    assert all(p.after is not None for p in pages[:-1])
    assert len(fake.bodies) == 125  # no request wasted on re-anchoring
    anchors = [b["filterGroups"] for b in fake.bodies if b["filterGroups"]]
    assert anchors[0] == [
        {
            "filters": [
                {"propertyName": "hs_object_id", "operator": "GT", "value": "10000"}
            ]
        }
    ]


async def test_shared_key_yields_every_contact_exactly_once(
    make_client: MakeClient,
) -> None:
    docs = big_portal()
    fake = FakeSearch(docs)
    client = make_client(fake)

    ids, _ = await collect(client, sort_property="lastmodifieddate")

    assert Counter(ids) == Counter(str(i) for i in docs)
    stamps = [int(docs[int(i)]["lastmodifieddate"]) for i in ids]
    assert stamps == sorted(stamps)
    # The 12,000 that share a stamp were walked by id, EQ-filtered.
    eq = [
        b
        for b in fake.bodies
        if any(f["operator"] == "EQ" for g in b["filterGroups"] for f in g["filters"])
    ]
    assert eq
    assert all(b["sorts"][0]["propertyName"] == "hs_object_id" for b in eq)
    assert len(fake.bodies) < 2 * 25_000 / 200


async def test_anchors_join_every_filter_group(make_client: MakeClient) -> None:
    statuses = {i: ("NEW" if i % 3 else "OPEN") for i in range(1, 12_001)}
    statuses.update({i: "BAD_TIMING" for i in range(1, 12_001, 7)})
    fake = FakeSearch(
        docs_from({i: T0 + i // 50 for i in range(1, 12_001)}, hs_lead_status=statuses)
    )
    client = make_client(fake)
    groups = [
        FilterGroup(
            filters=[Filter(property_name="hs_lead_status", operator="EQ", value="NEW")]
        ),
        FilterGroup(
            filters=[
                Filter(property_name="hs_lead_status", operator="EQ", value="OPEN")
            ]
        ),
    ]

    ids, _ = await collect(
        client,
        filter_groups=groups,
        properties=["hs_lead_status"],
        sort_property="lastmodifieddate",
    )

    wanted = {str(i) for i, s in statuses.items() if s in ("NEW", "OPEN")}
    assert len(ids) == len(set(ids))
    assert set(ids) == wanted
    re_anchored = [b for b in fake.bodies if len(b["filterGroups"][0]["filters"]) > 1]
    assert re_anchored
    for body in re_anchored:
        assert all(
            g["filters"][-1]["propertyName"] == "lastmodifieddate"
            and g["filters"][-1]["operator"] == "GTE"
            for g in body["filterGroups"]
        )
        assert "lastmodifieddate" in body["properties"]


async def test_iso_dates_are_anchored_in_epoch_ms(make_client: MakeClient) -> None:
    """Real HubSpot may show datetime properties as ISO strings in results."""
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = __import__("json").loads(request.content)
        seen.append(body)
        if body.get("filterGroups"):
            return httpx.Response(200, json={"total": 0, "results": []})
        contact = {
            "id": "5",
            "properties": {"lastmodifieddate": "2026-12-03T16:00:00.123Z"},
            "createdAt": "2026-12-03T16:00:00.123Z",
            "updatedAt": "2026-12-03T16:00:00.123Z",
        }
        return httpx.Response(
            200,
            json={
                "total": 3,
                "results": [contact, {**contact, "id": "6"}],
                "paging": {"next": {"after": "2"}},
            },
        )

    client = make_client(handler)
    client.search_result_cap = 3

    ids = [
        c.id
        async for c in client.iter_search_contacts(
            sort_property="lastmodifieddate", page_size=2
        )
    ]

    assert ids == ["5", "6"]
    anchor = seen[1]["filterGroups"][0]["filters"][0]
    assert anchor == {
        "propertyName": "lastmodifieddate",
        "operator": "EQ",
        "value": "1796313600123",
    }


async def test_page_size_is_checked(make_client: MakeClient) -> None:
    client = make_client(FakeSearch({}))

    with pytest.raises(ValueError, match="page_size"):
        client.iter_search(page_size=500)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    stamps=st.lists(st.integers(0, 6), min_size=0, max_size=90),
    statuses=st.lists(
        st.sampled_from(["NEW", "OPEN", "LOST"]), min_size=90, max_size=90
    ),
    cap=st.integers(8, 30),
    page_size=st.integers(1, 8),
    key=st.sampled_from(["hs_object_id", "lastmodifieddate"]),
    grouped=st.booleans(),
)
def test_any_portal_is_walked_completely_and_once(
    stamps: list[int],
    statuses: list[str],
    cap: int,
    page_size: int,
    key: str,
    grouped: bool,
) -> None:
    page_size = min(page_size, cap)
    docs = docs_from(
        {i: T0 + s for i, s in enumerate(stamps, start=1)},
        hs_lead_status=dict(enumerate(statuses, start=1)),
    )
    groups = []
    if grouped:
        groups = [
            FilterGroup(
                filters=[Filter(property_name="hs_lead_status", operator="EQ", value=v)]
            )
            for v in ("NEW", "OPEN")
        ]
    fake = FakeSearch(docs, cap=cap)

    async def walk() -> list[str]:
        async with HubSpotClient(
            BASE_URL,
            SECRET,
            transport=httpx.MockTransport(fake),
            rate_limit=None,
            search_rate_limit=None,
        ) as client:
            client.search_result_cap = cap
            pages = client.iter_search(
                groups,
                sort_property=key,
                page_size=page_size,
                properties=["hs_lead_status"],
            )
            return [c.id async for p in pages for c in p.results]

    ids = asyncio.run(walk())

    wanted = [
        str(i)
        for i, d in docs.items()
        if not grouped or d["hs_lead_status"] in ("NEW", "OPEN")
    ]
    assert sorted(ids, key=int) == sorted(wanted, key=int)
    assert len(fake.bodies) <= 4 * (len(wanted) // page_size + 2) * 2
