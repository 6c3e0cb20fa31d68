"""Every error answers in HubSpot's shape: status, message, correlationId, category."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sim_helpers import (
    BASE,
    LEAD_STATUS_PATH,
    TOKEN,
    assert_error,
    client_for,
    config,
)

from talkapp.simulator import create_app


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    status: int  # 0: an injected 502 or 503
    category: str | None = None
    body: Any = None
    token: str | None = TOKEN
    overrides: dict[str, Any] = field(default_factory=dict)


V, AUTH, MISSING = "VALIDATION_ERROR", "INVALID_AUTHENTICATION", "OBJECT_NOT_FOUND"
CASES = {
    "400 bad limit": Case("GET", f"{BASE}?limit=500", 400, V),
    "400 bad option": Case(
        "PATCH", f"{BASE}/1", 400, V, {"properties": {"hs_lead_status": "X"}}
    ),
    "400 bad search": Case("POST", f"{BASE}/search", 400, V, {"limit": 999}),
    "400 batch too big": Case(
        "POST", f"{BASE}/batch/read", 400, V, {"inputs": [{"id": "1"}] * 101}
    ),
    "400 bad options": Case(
        "PATCH", LEAD_STATUS_PATH, 400, V, {"options": [{"label": "", "value": ""}]}
    ),
    "401 no token": Case("GET", f"{BASE}/1", 401, AUTH, token=None),
    "401 wrong token": Case("GET", f"{BASE}/1", 401, AUTH, token="nope"),
    "403 missing scope": Case(
        "DELETE",
        f"{BASE}/1",
        403,
        "MISSING_SCOPES",
        token="t2",
        overrides={"tokens": {"t2": ("crm.objects.contacts.read",)}},
    ),
    "404 contact": Case("GET", f"{BASE}/424242", 404, MISSING),
    "404 property": Case("GET", "/crm/v3/properties/contacts/nah", 404, MISSING),
    "404 no such path": Case("GET", "/crm/v3/objects/widgets", 404),
    "405 wrong method": Case("PUT", f"{BASE}/1", 405, body={}),
    "5xx error rate": Case("GET", f"{BASE}/1", 0, overrides={"error_rate": 1.0}),
    "400 bad settings": Case(
        "PATCH", "/_simulator/settings", 400, V, {"error_rate": 9}, token=None
    ),
    "404 QA contact": Case(
        "GET", "/_simulator/contacts/999999", 404, MISSING, token=None
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_error_body_shape(case: Case) -> None:
    app = create_app(config(contacts=5, **case.overrides))
    async with client_for(app, token=case.token) as client:
        response = await client.request(case.method, case.path, json=case.body)

    status = case.status
    if status == 0:
        assert response.status_code in (502, 503)
        status = response.status_code
    assert_error(response, status, case.category)


async def test_offline_error_has_the_shape() -> None:
    app = create_app(config(contacts=5))
    async with client_for(app) as client:
        await client.patch("/_simulator/settings", json={"offline": True})
        response = await client.get(f"{BASE}/1")

    assert_error(response, 503)


async def test_handler_errors_carry_the_correlation_id_header() -> None:
    async with client_for(create_app(config(contacts=5))) as client:
        response = await client.get(f"{BASE}/777")

    body = assert_error(response, 404, "OBJECT_NOT_FOUND")
    assert response.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


async def test_each_error_has_its_own_correlation_id() -> None:
    async with client_for(create_app(config(contacts=5))) as client:
        ids = {
            (await client.get(f"{BASE}/777")).json()["correlationId"] for _ in range(5)
        }

    assert len(ids) == 5
