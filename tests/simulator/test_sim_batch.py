"""Batch read and update, and the QA import: limits, 207s, shared timestamps."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_helpers import BASE, assert_error, is_epoch_ms, iso_ms

READ = f"{BASE}/batch/read"
UPDATE = f"{BASE}/batch/update"
IMPORT = "/_simulator/import"


def ids(*numbers: int) -> list[dict[str, str]]:
    return [{"id": str(n)} for n in numbers]


def status_changes(numbers: range | list[int], status: str) -> list[dict[str, Any]]:
    return [{"id": str(n), "properties": {"hs_lead_status": status}} for n in numbers]


async def fetch(client: httpx.AsyncClient, contact_id: int) -> dict[str, Any]:
    response = await client.get(
        f"{BASE}/{contact_id}",
        params={
            "properties": "hs_lead_status,firstname",
            "propertiesWithHistory": "hs_lead_status",
        },
    )
    assert response.status_code == 200
    return response.json()


# -- batch read -----------------------------------------------------------------


async def test_batch_read_returns_requested_contacts(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.post(
        READ, json={"inputs": ids(3, 1, 2), "properties": ["hs_lead_status"]}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert "startedAt" in body
    assert "completedAt" in body
    assert "errors" not in body
    assert sorted(c["id"] for c in body["results"]) == ["1", "2", "3"]
    for contact in body["results"]:
        assert contact["properties"]["hs_lead_status"] in {
            "NEW",
            "OPEN",
            "IN_PROGRESS",
            "OPEN_DEAL",
            "UNQUALIFIED",
            "ATTEMPTED_TO_CONTACT",
            "CONNECTED",
            "BAD_TIMING",
        }


async def test_batch_read_takes_100_but_not_101(sim_http: httpx.AsyncClient) -> None:
    ok = await sim_http.post(
        READ, json={"inputs": ids(*range(1, 101)), "properties": ["email"]}
    )
    too_many = await sim_http.post(
        READ, json={"inputs": ids(*range(1, 102)), "properties": ["email"]}
    )

    assert ok.status_code == 200
    assert len(ok.json()["results"]) == 100
    assert_error(too_many, 400, "VALIDATION_ERROR")


async def test_batch_read_with_history_takes_50_but_not_51(
    sim_http: httpx.AsyncClient,
) -> None:
    body = {"properties": ["email"], "propertiesWithHistory": ["hs_lead_status"]}

    ok = await sim_http.post(READ, json={**body, "inputs": ids(*range(1, 51))})
    too_many = await sim_http.post(READ, json={**body, "inputs": ids(*range(1, 52))})

    assert ok.status_code == 200
    results = ok.json()["results"]
    assert len(results) == 50
    assert all("hs_lead_status" in c["propertiesWithHistory"] for c in results)
    assert_error(too_many, 400, "VALIDATION_ERROR")


async def test_batch_read_partial_failure_is_207(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.post(
        READ, json={"inputs": ids(1, 99999, 2, 88888), "properties": ["email"]}
    )

    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert sorted(c["id"] for c in body["results"]) == ["1", "2"]
    assert body["numErrors"] == len(body["errors"]) >= 1
    error = body["errors"][0]
    assert error["status"] == "error"
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert sorted(error["context"]["ids"]) == ["88888", "99999"]


@pytest.mark.parametrize(
    "body",
    [
        {"properties": ["email"]},
        {"inputs": "1,2", "properties": ["email"]},
        {"inputs": ["1"], "properties": ["email"]},
        {"inputs": [{"id": "1"}], "properties": "email"},
    ],
    ids=["no inputs", "inputs not a list", "input not an object", "properties string"],
)
async def test_batch_read_malformed_body_is_400(
    sim_http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_error(await sim_http.post(READ, json=body), 400, "VALIDATION_ERROR")


# -- batch update ---------------------------------------------------------------


async def test_batch_update_shares_one_timestamp(sim_http: httpx.AsyncClient) -> None:
    inputs = [
        {"id": str(n), "properties": {"firstname": f"Batch {n}", "company": "Batch"}}
        for n in range(1, 41)
    ]

    response = await sim_http.post(UPDATE, json={"inputs": inputs})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 40
    stamps = {c["properties"]["lastmodifieddate"] for c in results}
    assert len(stamps) == 1
    (stamp,) = stamps
    assert is_epoch_ms(stamp)
    assert len({c["updatedAt"] for c in results}) == 1
    for contact in results:
        assert contact["properties"]["firstname"] == f"Batch {contact['id']}"
    stored = await sim_http.get(
        f"{BASE}/17", params={"propertiesWithHistory": "firstname,company"}
    )
    body = stored.json()
    assert body["properties"]["lastmodifieddate"] == stamp
    for name in ("firstname", "company"):
        newest = body["propertiesWithHistory"][name][0]
        assert iso_ms(newest["timestamp"]) == int(stamp)


async def test_batch_update_takes_100_but_not_101(sim_http: httpx.AsyncClient) -> None:
    ok = await sim_http.post(
        UPDATE, json={"inputs": status_changes(range(1, 101), "OPEN")}
    )
    too_many = await sim_http.post(
        UPDATE, json={"inputs": status_changes(range(101, 202), "OPEN")}
    )

    assert ok.status_code == 200
    assert len(ok.json()["results"]) == 100
    assert_error(too_many, 400, "VALIDATION_ERROR")
    untouched = await fetch(sim_http, 150)
    assert len(untouched["propertiesWithHistory"]["hs_lead_status"]) == 1


async def test_batch_update_duplicate_ids_is_400_and_writes_nothing(
    sim_http: httpx.AsyncClient,
) -> None:
    before = await fetch(sim_http, 5)

    response = await sim_http.post(
        UPDATE,
        json={
            "inputs": [
                *status_changes([4], "NEW"),
                *status_changes([5], "OPEN"),
                *status_changes([5], "CONNECTED"),
            ]
        },
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "5" in body["message"]
    assert await fetch(sim_http, 5) == before


async def test_batch_update_partial_failure_is_207_and_applies_the_rest(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.post(
        UPDATE,
        json={
            "inputs": [
                *status_changes([1], "CONNECTED"),
                *status_changes([123456], "CONNECTED"),
                {"id": "2", "properties": {"hs_lead_status": "NOT_AN_OPTION"}},
                *status_changes([3], "CONNECTED"),
            ]
        },
    )

    assert response.status_code == 207
    body = response.json()
    assert sorted(c["id"] for c in body["results"]) == ["1", "3"]
    assert body["numErrors"] == 2
    assert len(body["errors"]) == 2
    categories = sorted(e["category"] for e in body["errors"])
    assert categories == ["OBJECT_NOT_FOUND", "VALIDATION_ERROR"]
    for error in body["errors"]:
        assert error["status"] == "error"
        assert error["message"]
    invalid = next(e for e in body["errors"] if e["category"] == "VALIDATION_ERROR")
    assert invalid["context"]["ids"] == ["2"]
    assert invalid["errors"][0]["code"] == "INVALID_OPTION"
    assert (await fetch(sim_http, 1))["properties"]["hs_lead_status"] == "CONNECTED"
    assert (await fetch(sim_http, 2))["properties"]["hs_lead_status"] != (
        "NOT_AN_OPTION"
    )


# -- import (QA) ----------------------------------------------------------------


async def test_import_applies_all_with_one_timestamp_and_source_import(
    sim_http: httpx.AsyncClient,
) -> None:
    before = await fetch(sim_http, 60)
    inputs = [
        {
            "id": str(n),
            "properties": {"hs_lead_status": "BAD_TIMING", "firstname": "Imp"},
        }
        for n in range(50, 300)
    ]

    response = await sim_http.post(IMPORT, json={"inputs": inputs})

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 250
    stamps = {c["properties"]["lastmodifieddate"] for c in results}
    assert len(stamps) == 1
    (stamp,) = stamps
    assert int(stamp) > int(before["properties"]["lastmodifieddate"])
    after = await fetch(sim_http, 60)
    assert after["properties"]["firstname"] == "Imp"
    newest = after["propertiesWithHistory"]["hs_lead_status"][0]
    if before["properties"]["hs_lead_status"] != "BAD_TIMING":
        assert newest["value"] == "BAD_TIMING"
        assert newest["sourceType"] == "IMPORT"


async def test_import_as_crm_ui_and_bad_source(sim_http: httpx.AsyncClient) -> None:
    ui = await sim_http.post(
        IMPORT,
        json={"changeSource": "CRM_UI", "inputs": status_changes([20], "OPEN_DEAL")},
    )
    bad = await sim_http.post(
        IMPORT,
        json={"changeSource": "ROBOT", "inputs": status_changes([21], "OPEN_DEAL")},
    )
    not_json = await sim_http.post(IMPORT, content=b"{")

    assert ui.status_code == 200
    history = (await fetch(sim_http, 20))["propertiesWithHistory"]["hs_lead_status"]
    assert history[0] == {**history[0], "value": "OPEN_DEAL", "sourceType": "CRM_UI"}
    assert_error(bad, 400, "VALIDATION_ERROR")
    assert_error(not_json, 400, "VALIDATION_ERROR")
