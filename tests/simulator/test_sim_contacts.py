"""Contacts: list paging, get, create, update, archive, stamps and history."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import (
    BASE,
    assert_error,
    is_epoch_ms,
    iso_ms,
    list_all,
    portal_client,
)

DEFAULT_PROPERTIES = {
    "firstname",
    "lastname",
    "email",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
}


# -- list ----------------------------------------------------------------------


async def test_list_pages_through_every_contact_by_id(
    sim_http: httpx.AsyncClient,
) -> None:
    first = await sim_http.get(BASE, params={"limit": 100})

    assert first.status_code == 200
    body = first.json()
    assert len(body["results"]) == 100
    assert body["paging"]["next"]["after"] == "101"
    contact = body["results"][0]
    assert set(contact) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert contact["archived"] is False
    assert set(contact["properties"]) == DEFAULT_PROPERTIES

    everyone = await list_all(sim_http)
    ids = [int(c["id"]) for c in everyone]
    assert ids == list(range(1, 301))


async def test_last_page_has_no_paging(sim_http: httpx.AsyncClient) -> None:
    last = await sim_http.get(BASE, params={"limit": 100, "after": "201"})

    assert last.status_code == 200
    body = last.json()
    assert len(body["results"]) == 100
    assert "paging" not in body


async def test_paging_link_is_followable(sim_http: httpx.AsyncClient) -> None:
    first = (await sim_http.get(BASE, params={"limit": 7})).json()
    link = first["paging"]["next"]["link"]

    second = await sim_http.get(link)

    assert second.status_code == 200
    assert [c["id"] for c in second.json()["results"]] == [str(i) for i in range(8, 15)]


async def test_default_limit_is_10(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.get(BASE)

    assert len(response.json()["results"]) == 10


@pytest.mark.parametrize("limit", ["0", "101", "many"])
async def test_list_limit_outside_1_to_100_is_400(
    sim_http: httpx.AsyncClient, limit: str
) -> None:
    response = await sim_http.get(BASE, params={"limit": limit})

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_properties_comma_separated_and_repeated_are_the_same(
    sim_http: httpx.AsyncClient,
) -> None:
    comma = await sim_http.get(
        BASE, params={"limit": 3, "properties": "hs_lead_status,phone"}
    )
    repeated = await sim_http.get(
        f"{BASE}?limit=3&properties=hs_lead_status&properties=phone"
    )

    assert comma.json()["results"] == repeated.json()["results"]
    props = comma.json()["results"][0]["properties"]
    assert set(props) == {
        "hs_lead_status",
        "phone",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert props["hs_lead_status"]


async def test_properties_with_history_comma_separated_and_repeated(
    sim_http: httpx.AsyncClient,
) -> None:
    comma = await sim_http.get(
        BASE, params={"limit": 2, "propertiesWithHistory": "hs_lead_status,firstname"}
    )
    repeated = await sim_http.get(
        f"{BASE}?limit=2&propertiesWithHistory=hs_lead_status"
        "&propertiesWithHistory=firstname"
    )

    assert comma.json()["results"] == repeated.json()["results"]
    history = comma.json()["results"][0]["propertiesWithHistory"]
    assert set(history) == {"hs_lead_status", "firstname"}
    entry = history["hs_lead_status"][0]
    assert set(entry) >= {"value", "timestamp", "sourceType"}


async def test_list_with_history_pages_at_most_50(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.get(
        BASE, params={"limit": 100, "propertiesWithHistory": "hs_lead_status"}
    )

    assert response.status_code == 200
    assert len(response.json()["results"]) <= 50


async def test_archived_true_lists_only_archived_contacts(
    sim_http: httpx.AsyncClient,
) -> None:
    for contact_id in ("4", "9"):
        assert (await sim_http.delete(f"{BASE}/{contact_id}")).status_code == 204

    archived = await sim_http.get(BASE, params={"archived": "true"})
    active = await list_all(sim_http)

    results = archived.json()["results"]
    assert [c["id"] for c in results] == ["4", "9"]
    assert all(c["archived"] is True for c in results)
    assert all("archivedAt" in c for c in results)
    assert {"4", "9"}.isdisjoint(c["id"] for c in active)
    assert len(active) == 298


# -- get / create / update / archive ---------------------------------------------


async def test_get_by_id(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.get(
        f"{BASE}/42", params={"properties": "email,hs_lead_status,phone"}
    )

    assert response.status_code == 200
    contact = response.json()
    assert contact["id"] == "42"
    assert contact["properties"]["hs_object_id"] == "42"
    assert "@" in contact["properties"]["email"]
    assert is_epoch_ms(contact["properties"]["createdate"])
    assert iso_ms(contact["createdAt"]) == int(contact["properties"]["createdate"])
    assert iso_ms(contact["updatedAt"]) == int(
        contact["properties"]["lastmodifieddate"]
    )


async def test_requested_property_without_value_is_null(
    sim_http: httpx.AsyncClient,
) -> None:
    await sim_http.patch(f"{BASE}/3", json={"properties": {"company": ""}})

    response = await sim_http.get(f"{BASE}/3", params={"properties": "company"})

    assert response.json()["properties"]["company"] is None


@pytest.mark.parametrize("contact_id", ["999999", "not-a-number"])
async def test_unknown_id_is_404_object_not_found(
    sim_http: httpx.AsyncClient, contact_id: str
) -> None:
    for response in (
        await sim_http.get(f"{BASE}/{contact_id}"),
        await sim_http.patch(
            f"{BASE}/{contact_id}", json={"properties": {"firstname": "X"}}
        ),
    ):
        assert_error(response, 404, "OBJECT_NOT_FOUND")


async def test_create_stamps_and_returns_201(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.post(
        BASE,
        json={
            "properties": {
                "email": "new.person@example.com",
                "firstname": "New",
                "hs_lead_status": "NEW",
            }
        },
    )

    assert response.status_code == 201
    created = response.json()
    assert created["id"] == "301"
    props = created["properties"]
    assert props["email"] == "new.person@example.com"
    assert props["hs_lead_status"] == "NEW"
    assert props["hs_object_id"] == "301"
    assert is_epoch_ms(props["createdate"])
    assert props["createdate"] == props["lastmodifieddate"]
    assert created["createdAt"] == created["updatedAt"]
    assert iso_ms(created["updatedAt"]) == int(props["lastmodifieddate"])

    fetched = await sim_http.get(
        f"{BASE}/301", params={"propertiesWithHistory": "hs_lead_status"}
    )
    history = fetched.json()["propertiesWithHistory"]["hs_lead_status"]
    assert [h["value"] for h in history] == ["NEW"]


async def test_create_with_unknown_option_is_refused_and_creates_nothing() -> None:
    async with portal_client(contacts=5) as client:
        response = await client.post(
            BASE, json={"properties": {"hs_lead_status": "HOT"}}
        )

        body = assert_error(response, 400, "VALIDATION_ERROR")
        assert body["errors"][0]["code"] == "INVALID_OPTION"
        assert len(await list_all(client)) == 5


async def test_update_stamps_lastmodifieddate_updated_at_and_history(
    sim_http: httpx.AsyncClient,
) -> None:
    before = (
        await sim_http.get(f"{BASE}/7", params={"properties": "hs_lead_status"})
    ).json()
    old_status = before["properties"]["hs_lead_status"]
    new_status = "CONNECTED" if old_status != "CONNECTED" else "OPEN"

    response = await sim_http.patch(
        f"{BASE}/7", json={"properties": {"hs_lead_status": new_status}}
    )

    assert response.status_code == 200
    updated = response.json()
    stamp = updated["properties"]["lastmodifieddate"]
    assert is_epoch_ms(stamp)
    assert int(stamp) > int(before["properties"]["lastmodifieddate"])
    assert iso_ms(updated["updatedAt"]) == int(stamp)
    assert updated["properties"]["hs_lead_status"] == new_status
    assert updated["createdAt"] == before["createdAt"]

    history = (
        await sim_http.get(
            f"{BASE}/7", params={"propertiesWithHistory": "hs_lead_status"}
        )
    ).json()["propertiesWithHistory"]["hs_lead_status"]
    assert [h["value"] for h in history] == [new_status, old_status]
    assert iso_ms(history[0]["timestamp"]) == int(stamp)
    assert history[0]["sourceType"]


async def test_history_is_newest_first(sim_http: httpx.AsyncClient) -> None:
    for status in ("OPEN", "IN_PROGRESS", "CONNECTED"):
        response = await sim_http.patch(
            f"{BASE}/11", json={"properties": {"hs_lead_status": status}}
        )
        assert response.status_code == 200

    response = await sim_http.get(
        f"{BASE}/11", params={"propertiesWithHistory": "hs_lead_status"}
    )

    history = response.json()["propertiesWithHistory"]["hs_lead_status"]
    values = [h["value"] for h in history]
    assert values[:3] == ["CONNECTED", "IN_PROGRESS", "OPEN"]
    stamps = [iso_ms(h["timestamp"]) for h in history]
    assert stamps == sorted(stamps, reverse=True)


async def test_clearing_a_value_with_empty_string(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.patch(
        f"{BASE}/8", json={"properties": {"hs_lead_status": ""}}
    )

    assert response.status_code == 200
    assert response.json()["properties"]["hs_lead_status"] is None


async def test_unknown_option_is_400_invalid_option_naming_allowed_options(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.patch(
        f"{BASE}/1", json={"properties": {"hs_lead_status": "HOT_LEAD"}}
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    error = body["errors"][0]
    assert error["code"] == "INVALID_OPTION"
    assert error["context"]["propertyName"] == ["hs_lead_status"]
    for value in ("NEW", "OPEN", "IN_PROGRESS", "BAD_TIMING", "ATTEMPTED_TO_CONTACT"):
        assert value in error["message"]
    assert "HOT_LEAD" in body["message"]


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"lastmodifieddate": "1"}, "READ_ONLY_VALUE"),
        ({"hs_object_id": "5"}, "READ_ONLY_VALUE"),
        ({"favourite_colour": "red"}, "PROPERTY_DOESNT_EXIST"),
    ],
)
async def test_invalid_property_writes_are_400_and_write_nothing(
    sim_http: httpx.AsyncClient, properties: dict[str, str], code: str
) -> None:
    before = (await sim_http.get(f"{BASE}/2")).json()

    response = await sim_http.patch(
        f"{BASE}/2", json={"properties": {**properties, "firstname": "Changed"}}
    )

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["errors"][0]["code"] == code
    assert (await sim_http.get(f"{BASE}/2")).json() == before


async def test_update_without_properties_is_400(sim_http: httpx.AsyncClient) -> None:
    assert_error(await sim_http.patch(f"{BASE}/2", json={}), 400, "VALIDATION_ERROR")
    assert_error(
        await sim_http.post(BASE, content=b"{not json"), 400, "VALIDATION_ERROR"
    )
    assert_error(await sim_http.post(BASE, json=[]), 400, "VALIDATION_ERROR")


async def test_archive_then_get_is_404_unless_archived_true(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.delete(f"{BASE}/12")

    assert response.status_code == 204
    assert_error(await sim_http.get(f"{BASE}/12"), 404, "OBJECT_NOT_FOUND")
    archived = await sim_http.get(f"{BASE}/12", params={"archived": "true"})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert_error(
        await sim_http.patch(f"{BASE}/12", json={"properties": {"firstname": "Z"}}),
        404,
        "OBJECT_NOT_FOUND",
    )


async def test_archive_of_unknown_id_is_204_like_hubspot(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.delete(f"{BASE}/987654")

    assert response.status_code == 204
