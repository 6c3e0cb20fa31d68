"""Bearer tokens, scopes and the token-introspection endpoint."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import BASE, LEAD_STATUS_PATH, TOKEN, assert_error, client_for, config

from talkapp.simulator import FULL_SCOPES, create_app

TOKEN_INFO = "/oauth/v2/private-apps/get/access-token-info"
READ_ONLY_TOKEN = "t2"


@pytest.fixture
def scoped_app():
    return create_app(
        config(contacts=10, tokens={READ_ONLY_TOKEN: ("crm.objects.contacts.read",)})
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "wrong token", "not bearer", "empty"],
)
async def test_missing_or_wrong_token_is_401(sim_app, headers: dict[str, str]) -> None:
    async with client_for(sim_app, token=None) as client:
        response = await client.get(BASE, headers=headers)

    assert_error(response, 401, "INVALID_AUTHENTICATION")


async def test_every_hubspot_path_needs_the_token(sim_app) -> None:
    async with client_for(sim_app, token=None) as client:
        responses = [
            await client.get(LEAD_STATUS_PATH),
            await client.get(f"{BASE}/1"),
            await client.patch(f"{BASE}/1", json={"properties": {}}),
            await client.post(f"{BASE}/search", json={}),
            await client.post(f"{BASE}/batch/read", json={"inputs": []}),
        ]

    for response in responses:
        assert_error(response, 401, "INVALID_AUTHENTICATION")


async def test_token_lacking_a_scope_is_403_missing_scopes(scoped_app) -> None:
    async with client_for(scoped_app, token=READ_ONLY_TOKEN) as client:
        read = await client.get(f"{BASE}/1")
        write = await client.patch(
            f"{BASE}/1", json={"properties": {"hs_lead_status": "OPEN"}}
        )
        batch_write = await client.post(
            f"{BASE}/batch/update",
            json={"inputs": [{"id": "1", "properties": {"firstname": "X"}}]},
        )
        schema = await client.get(LEAD_STATUS_PATH)

    assert read.status_code == 200
    body = assert_error(write, 403, "MISSING_SCOPES")
    assert "crm.objects.contacts.write" in str(body["errors"])
    assert_error(batch_write, 403, "MISSING_SCOPES")
    body = assert_error(schema, 403, "MISSING_SCOPES")
    assert "crm.schemas.contacts.read" in str(body["errors"])


async def test_refused_write_changes_nothing(scoped_app) -> None:
    async with client_for(scoped_app, token=READ_ONLY_TOKEN) as client:
        before = (await client.get(f"{BASE}/1")).json()
        await client.patch(f"{BASE}/1", json={"properties": {"firstname": "Nope"}})
        after = (await client.get(f"{BASE}/1")).json()

    assert after == before


async def test_token_info_returns_scopes(scoped_app) -> None:
    async with client_for(scoped_app, token=None) as client:
        full = await client.post(TOKEN_INFO, json={"tokenKey": TOKEN})
        limited = await client.post(TOKEN_INFO, json={"tokenKey": READ_ONLY_TOKEN})
        unknown = await client.post(TOKEN_INFO, json={"tokenKey": "nope"})
        missing = await client.post(TOKEN_INFO, json={})

    assert full.status_code == 200
    info = full.json()
    assert set(info["scopes"]) == set(FULL_SCOPES)
    assert {
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.schemas.contacts.read",
    } <= set(info["scopes"])
    assert isinstance(info["hubId"], int)
    assert isinstance(info["appId"], int)
    assert limited.json()["scopes"] == ["crm.objects.contacts.read"]
    assert_error(unknown, 401, "INVALID_AUTHENTICATION")
    assert_error(missing, 401, "INVALID_AUTHENTICATION")


async def test_qa_paths_need_no_token(sim_app) -> None:
    async with client_for(sim_app, token=None) as client:
        response = await client.get("/_simulator/settings")

    assert response.status_code == 200


async def test_sim_http_fixture_is_authenticated(sim_http: httpx.AsyncClient) -> None:
    assert (await sim_http.get(f"{BASE}/1")).status_code == 200
