"""The hs_lead_status property: its HubSpot shape, and editing its options."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_helpers import (
    BASE,
    DEFAULT_LEAD_STATUSES,
    LEAD_STATUS_PATH,
    assert_error,
    portal_client,
)

DEFAULT_LABELS = [
    "New",
    "Open",
    "In Progress",
    "Open Deal",
    "Unqualified",
    "Attempted to Contact",
    "Connected",
    "Bad Timing",
]


async def options(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get(LEAD_STATUS_PATH)
    assert response.status_code == 200
    return response.json()["options"]


async def patch_options(
    client: httpx.AsyncClient, new: list[dict[str, Any]]
) -> httpx.Response:
    return await client.patch(LEAD_STATUS_PATH, json={"options": new})


async def test_lead_status_has_hubspots_shape_and_default_options(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.get(LEAD_STATUS_PATH)

    assert response.status_code == 200
    prop = response.json()
    assert prop["name"] == "hs_lead_status"
    assert prop["label"] == "Lead Status"
    assert prop["type"] == "enumeration"
    assert prop["fieldType"] in ("radio", "select")
    assert isinstance(prop["groupName"], str)
    assert prop["groupName"]
    assert [o["value"] for o in prop["options"]] == DEFAULT_LEAD_STATUSES
    assert [o["label"] for o in prop["options"]] == DEFAULT_LABELS
    for order, option in enumerate(prop["options"]):
        assert set(option) >= {
            "label",
            "value",
            "displayOrder",
            "hidden",
            "description",
        }
        assert option["displayOrder"] == order
        assert option["hidden"] is False
        assert isinstance(option["description"], str)


async def test_property_list_includes_lead_status_and_the_stamps(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.get("/crm/v3/properties/contacts")

    assert response.status_code == 200
    by_name = {p["name"]: p for p in response.json()["results"]}
    assert {"hs_lead_status", "lastmodifieddate", "createdate", "hs_object_id"} <= set(
        by_name
    )
    assert by_name["hs_lead_status"]["options"]
    assert by_name["firstname"]["type"] == "string"


async def test_unknown_property_is_404(sim_http: httpx.AsyncClient) -> None:
    response = await sim_http.get("/crm/v3/properties/contacts/no_such_thing")

    assert_error(response, 404, "OBJECT_NOT_FOUND")


async def test_rename_an_option_keeps_its_value(sim_http: httpx.AsyncClient) -> None:
    current = await options(sim_http)
    current[0]["label"] = "Brand new"

    response = await patch_options(sim_http, current)

    assert response.status_code == 200
    assert response.json()["options"][0] == {
        **current[0],
        "label": "Brand new",
        "value": "NEW",
    }
    assert (await options(sim_http))[0]["label"] == "Brand new"


async def test_hide_an_option_keeps_it_valid_for_writes(
    sim_http: httpx.AsyncClient,
) -> None:
    current = await options(sim_http)
    current[7]["hidden"] = True

    response = await patch_options(sim_http, current)

    assert response.status_code == 200
    after = await options(sim_http)
    assert after[7]["value"] == "BAD_TIMING"
    assert after[7]["hidden"] is True
    assert all(o["hidden"] is False for o in after[:7])
    write = await sim_http.patch(
        f"{BASE}/1", json={"properties": {"hs_lead_status": "BAD_TIMING"}}
    )
    assert write.status_code == 200


async def test_reorder_options(sim_http: httpx.AsyncClient) -> None:
    current = await options(sim_http)
    reordered = list(reversed(current))
    for order, option in enumerate(reordered):
        option["displayOrder"] = order

    response = await patch_options(sim_http, reordered)

    assert response.status_code == 200
    after = await options(sim_http)
    by_value = {o["value"]: o["displayOrder"] for o in after}
    assert by_value["BAD_TIMING"] == 0
    assert by_value["NEW"] == 7
    assert sorted(after, key=lambda o: o["displayOrder"])[0]["value"] == "BAD_TIMING"


async def test_delete_an_option_keeps_contact_values_but_refuses_new_writes(
    sim_http: httpx.AsyncClient,
) -> None:
    await sim_http.patch(
        f"{BASE}/5", json={"properties": {"hs_lead_status": "OPEN_DEAL"}}
    )
    current = await options(sim_http)
    response = await patch_options(
        sim_http, [o for o in current if o["value"] != "OPEN_DEAL"]
    )
    assert response.status_code == 200
    assert "OPEN_DEAL" not in [o["value"] for o in await options(sim_http)]

    kept = await sim_http.get(f"{BASE}/5", params={"properties": "hs_lead_status"})
    assert kept.json()["properties"]["hs_lead_status"] == "OPEN_DEAL"

    refused = await sim_http.patch(
        f"{BASE}/6", json={"properties": {"hs_lead_status": "OPEN_DEAL"}}
    )
    body = assert_error(refused, 400, "VALIDATION_ERROR")
    assert body["errors"][0]["code"] == "INVALID_OPTION"


async def test_add_an_option_makes_it_writable(sim_http: httpx.AsyncClient) -> None:
    current = await options(sim_http)
    current.append({"label": "Nurture", "value": "NURTURE", "displayOrder": 8})

    response = await patch_options(sim_http, current)

    assert response.status_code == 200
    added = response.json()["options"][-1]
    assert added == {
        "label": "Nurture",
        "value": "NURTURE",
        "displayOrder": 8,
        "hidden": False,
        "description": "",
    }
    write = await sim_http.patch(
        f"{BASE}/1", json={"properties": {"hs_lead_status": "NURTURE"}}
    )
    assert write.status_code == 200


BAD_OPTION_LISTS = {
    "not a list": "NEW",
    "option not an object": ["NEW"],
    "missing value": [{"label": "New"}],
    "missing label": [{"value": "NEW"}],
    "empty label": [{"label": " ", "value": "NEW"}],
    "duplicate values": [
        {"label": "New", "value": "NEW"},
        {"label": "Also new", "value": "NEW"},
    ],
    "displayOrder not a number": [
        {"label": "New", "value": "NEW", "displayOrder": "first"}
    ],
    "hidden not a boolean": [{"label": "New", "value": "NEW", "hidden": "yes"}],
}


@pytest.mark.parametrize("bad", BAD_OPTION_LISTS.values(), ids=BAD_OPTION_LISTS.keys())
async def test_bad_option_lists_are_400_and_change_nothing(bad: Any) -> None:
    async with portal_client() as client:
        before = await options(client)

        response = await patch_options(client, bad)

        assert_error(response, 400, "VALIDATION_ERROR")
        assert await options(client) == before


async def test_unknown_field_in_property_update_is_400(
    sim_http: httpx.AsyncClient,
) -> None:
    response = await sim_http.patch(LEAD_STATUS_PATH, json={"colour": "red"})

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_options_change_stamps_updated_at(sim_http: httpx.AsyncClient) -> None:
    before = (await sim_http.get(LEAD_STATUS_PATH)).json()["updatedAt"]
    current = await options(sim_http)
    current[1]["label"] = "Open (renamed)"

    after = (await patch_options(sim_http, current)).json()["updatedAt"]

    assert after > before
