"""Realities and QA knobs: error rate, latency, offline, search lag, live settings."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sim_helpers import BASE, assert_error, portal_client, wait_for

SETTINGS = "/_simulator/settings"
SEARCH = f"{BASE}/search"


async def statuses(client: httpx.AsyncClient, calls: int) -> list[int]:
    return [(await client.get(f"{BASE}/1")).status_code for _ in range(calls)]


async def test_error_rate_one_fails_every_call_with_hubspot_json() -> None:
    async with portal_client(error_rate=1.0, rate_limit=0) as client:
        responses = [await client.get(f"{BASE}/1") for _ in range(30)]
        responses.append(await client.post(SEARCH, json={}))
        responses.append(await client.patch(f"{BASE}/1", json={"properties": {}}))

    seen = set()
    for response in responses:
        assert response.status_code in (502, 503)
        assert_error(response, response.status_code)
        seen.add(response.status_code)
    assert seen == {502, 503}


async def test_error_rate_fraction_is_roughly_right_and_seeded() -> None:
    async def run(seed: int) -> list[int]:
        async with portal_client(error_rate=0.3, rate_limit=0, seed=seed) as client:
            return await statuses(client, 200)

    first, again, other = await run(7), await run(7), await run(8)

    failures = sum(s != 200 for s in first)
    assert 40 <= failures <= 80  # 60 expected; ±3 standard deviations
    assert set(first) <= {200, 502, 503}
    assert first == again
    assert first != other


async def test_failed_calls_change_nothing() -> None:
    async with portal_client(error_rate=1.0, rate_limit=0) as client:
        await client.patch(f"{BASE}/1", json={"properties": {"firstname": "Ghost"}})
        await client.patch(SETTINGS, json={"error_rate": 0})
        after = await client.get(f"{BASE}/1")

    assert after.json()["properties"]["firstname"] != "Ghost"


async def test_latency_delays_every_hubspot_call() -> None:
    async with portal_client(latency_ms=150) as client:
        started = time.perf_counter()
        response = await client.get(f"{BASE}/1")
        slow = time.perf_counter() - started

        await client.patch(SETTINGS, json={"latency_ms": 0})
        started = time.perf_counter()
        await client.get(f"{BASE}/1")
        fast = time.perf_counter() - started

    assert response.status_code == 200
    assert slow >= 0.15
    assert fast < 0.15


async def test_offline_is_503_until_back_online() -> None:
    async with portal_client() as client:
        assert (await client.patch(SETTINGS, json={"offline": True})).status_code == 200
        down = [
            await client.get(f"{BASE}/1"),
            await client.post(SEARCH, json={}),
            await client.get("/crm/v3/properties/contacts/hs_lead_status"),
        ]
        qa = await client.get(SETTINGS)
        await client.patch(SETTINGS, json={"offline": False})
        up = await client.get(f"{BASE}/1")

    for response in down:
        assert_error(response, 503)
    assert qa.json()["offline"] is True
    assert up.status_code == 200


async def test_settings_show_the_current_knobs() -> None:
    async with portal_client(
        contacts=25, rate_limit=7, error_rate=0.1, latency_ms=3, search_lag_ms=40
    ) as client:
        response = await client.get(SETTINGS)

    assert response.status_code == 200
    assert response.json() == {
        **response.json(),
        "rate_limit": 7,
        "error_rate": 0.1,
        "latency_ms": 3,
        "search_lag_ms": 40,
        "offline": False,
        "contacts": 25,
    }


async def test_settings_change_the_rate_limit_while_running() -> None:
    async with portal_client(rate_limit=100) as client:
        changed = await client.patch(SETTINGS, json={"rate_limit": 2})
        calls = await statuses(client, 3)
        header = (await client.get(f"{BASE}/1")).headers["X-HubSpot-RateLimit-Max"]
        await client.patch(SETTINGS, json={"rate_limit": 0})
        unlimited = await statuses(client, 20)

    assert changed.json()["rate_limit"] == 2
    assert calls == [200, 200, 429]
    assert header == "2"
    assert set(unlimited) == {200}


async def test_settings_change_the_error_rate_while_running() -> None:
    async with portal_client(rate_limit=0) as client:
        await client.patch(SETTINGS, json={"error_rate": 1})
        failing = await statuses(client, 5)
        await client.patch(SETTINGS, json={"error_rate": 0.0})
        healthy = await statuses(client, 5)

    assert set(failing) <= {502, 503}
    assert healthy == [200] * 5


async def test_settings_change_the_search_lag_while_running() -> None:
    async with portal_client(rate_limit=0) as client:
        await client.patch(SETTINGS, json={"search_lag_ms": 300})
        await client.patch(f"{BASE}/3", json={"properties": {"lastname": "Laggard"}})
        query = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastname",
                            "operator": "EQ",
                            "value": "Laggard",
                        }
                    ]
                }
            ]
        }

        async def hits() -> int:
            return (await client.post(SEARCH, json=query)).json()["total"]

        assert await hits() == 0
        took = await wait_for(lambda: _equals(hits, 1), within=5.0, every=0.05)
        assert took > 0.1


async def _equals(probe: Any, expected: int) -> bool:
    return await probe() == expected


BAD_SETTINGS = {
    "unknown setting": {"turbo": True},
    "negative rate limit": {"rate_limit": -1},
    "fractional rate limit": {"rate_limit": 2.5},
    "rate limit as text": {"rate_limit": "10"},
    "error rate above 1": {"error_rate": 1.5},
    "error rate as bool": {"error_rate": True},
    "negative latency": {"latency_ms": -5},
    "offline as text": {"offline": "yes"},
    "one good one bad": {"rate_limit": 3, "error_rate": 7},
    "not an object": [1, 2],
}


@pytest.mark.parametrize("bad", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
async def test_bad_settings_are_400_one_line_and_change_nothing(bad: Any) -> None:
    async with portal_client() as client:
        before = (await client.get(SETTINGS)).json()

        response = await client.patch(SETTINGS, json=bad)

        body = assert_error(response, 400, "VALIDATION_ERROR")
        assert "\n" not in body["message"]
        assert (await client.get(SETTINGS)).json() == before
        assert (await client.get(f"{BASE}/1")).status_code == 200


async def test_settings_body_that_is_not_json_is_400() -> None:
    async with portal_client() as client:
        response = await client.patch(SETTINGS, content=b"{rate_limit: 5")

    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "\n" not in body["message"]
