"""Rate limits: the rolling 10-second window, search's own limit, the daily quota."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import httpx
import pytest
from sim_helpers import (
    BASE,
    RATE_LIMIT_HEADERS,
    assert_error,
    client_for,
    config,
    portal_client,
)

from talkapp.simulator import create_app, limits
from talkapp.simulator.limits import RateLimits

SEARCH = f"{BASE}/search"


def assert_rate_limited(response: httpx.Response, policy: str) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == policy
    assert body["message"]
    uuid.UUID(body["correlationId"])


async def test_sixth_request_in_the_window_is_429_ten_secondly_rolling() -> None:
    async with portal_client(rate_limit=5) as client:
        allowed = [await client.get(f"{BASE}/{i}") for i in range(1, 6)]
        refused = await client.get(f"{BASE}/6")

    assert [r.status_code for r in allowed] == [200] * 5
    assert_rate_limited(refused, "TEN_SECONDLY_ROLLING")
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"


async def test_rate_limit_headers_on_every_response() -> None:
    async with portal_client(rate_limit=5, daily_limit=1000) as client:
        responses = [
            await client.get(f"{BASE}/1"),
            await client.get(f"{BASE}/999999"),  # a 404 still counts
            await client.post(f"{BASE}/batch/read", json={"inputs": [{"id": "1"}]}),
            await client.patch(f"{BASE}/1", json={"properties": {"firstname": "A"}}),
            await client.get("/crm/v3/properties/contacts/hs_lead_status"),
            await client.get(f"{BASE}/1"),  # over the limit
        ]

    for response in responses:
        for header in RATE_LIMIT_HEADERS:
            assert header in response.headers, (response.status_code, header)
        assert response.headers["X-HubSpot-RateLimit-Max"] == "5"
        assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert response.headers["X-HubSpot-RateLimit-Daily"] == "1000"
    remaining = [int(r.headers["X-HubSpot-RateLimit-Remaining"]) for r in responses]
    assert remaining == [4, 3, 2, 1, 0, 0]
    daily = [int(r.headers["X-HubSpot-RateLimit-Daily-Remaining"]) for r in responses]
    assert daily == [999, 998, 997, 996, 995, 995]
    assert responses[1].status_code == 404
    assert responses[-1].status_code == 429


async def test_zero_turns_limits_off() -> None:
    async with portal_client(rate_limit=0) as client:
        statuses = {(await client.get(f"{BASE}/1")).status_code for _ in range(150)}
        searches = {(await client.post(SEARCH, json={})).status_code for _ in range(12)}

    assert statuses == {200}
    assert searches == {200}


async def test_search_has_its_own_limit_outside_the_window() -> None:
    async with portal_client(rate_limit=5, search_rate_limit=5) as client:
        searches = [await client.post(SEARCH, json={"limit": 1}) for _ in range(5)]
        sixth_search = await client.post(SEARCH, json={"limit": 1})
        # The searches did not spend the 10-second window: five calls remain.
        reads = [await client.get(f"{BASE}/{i}") for i in range(1, 6)]
        sixth_read = await client.get(f"{BASE}/6")

    assert [r.status_code for r in searches] == [200] * 5
    assert_rate_limited(sixth_search, "SECONDLY")
    assert searches[-1].headers["X-HubSpot-RateLimit-Remaining"] == "5"
    assert [r.status_code for r in reads] == [200] * 5
    assert_rate_limited(sixth_read, "TEN_SECONDLY_ROLLING")


async def test_limits_are_per_token() -> None:
    app = create_app(
        config(rate_limit=3, tokens={"other": ("crm.objects.contacts.read",)})
    )
    async with client_for(app) as first, client_for(app, token="other") as second:
        spent = [(await first.get(f"{BASE}/1")).status_code for _ in range(4)]
        fresh = [(await second.get(f"{BASE}/1")).status_code for _ in range(3)]
        third = await second.get(f"{BASE}/1")

    assert spent == [200, 200, 200, 429]
    assert fresh == [200, 200, 200]
    assert_rate_limited(third, "TEN_SECONDLY_ROLLING")


async def test_daily_quota_is_429_daily() -> None:
    async with portal_client(rate_limit=100, daily_limit=3) as client:
        statuses = [(await client.get(f"{BASE}/1")).status_code for _ in range(3)]
        over = await client.get(f"{BASE}/1")

    assert statuses == [200, 200, 200]
    assert_rate_limited(over, "DAILY")
    assert over.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


async def test_unauthenticated_requests_do_not_spend_the_window() -> None:
    async with portal_client(rate_limit=2) as client:
        for _ in range(5):
            bad = await client.get(f"{BASE}/1", headers={"Authorization": "Bearer x"})
            assert_error(bad, 401, "INVALID_AUTHENTICATION")
        ok = [(await client.get(f"{BASE}/1")).status_code for _ in range(2)]

    assert ok == [200, 200]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_800_000_000.0 + self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(
        limits, "time", SimpleNamespace(monotonic=fake.monotonic, time=fake.time)
    )
    return fake


def test_window_rolls_rather_than_resets(clock: FakeClock) -> None:
    rate = RateLimits(limit=5, search_limit=5, daily_limit=0)

    for _ in range(3):
        assert rate.check("t", search=False).allowed
    clock.now += 6.0
    for _ in range(2):
        assert rate.check("t", search=False).allowed
    refused = rate.check("t", search=False)
    assert not refused.allowed
    assert refused.policy == "TEN_SECONDLY_ROLLING"
    assert 3.9 <= refused.retry_after_s <= 4.0

    clock.now += 3.9  # 9.9 s after the first three: still full
    assert not rate.check("t", search=False).allowed
    clock.now += 0.2  # the first three left the window, the last two remain
    allowed = [rate.check("t", search=False).allowed for _ in range(4)]
    assert allowed == [True, True, True, False]


def test_refused_requests_do_not_extend_the_window(clock: FakeClock) -> None:
    rate = RateLimits(limit=2, search_limit=5, daily_limit=0)
    assert rate.check("t", search=False).allowed
    assert rate.check("t", search=False).allowed

    for _ in range(50):
        clock.now += 0.19
        assert not rate.check("t", search=False).allowed

    clock.now += 0.6  # 10.1 s after the two that counted
    assert rate.check("t", search=False).allowed


def test_search_limit_is_per_second(clock: FakeClock) -> None:
    rate = RateLimits(limit=100, search_limit=5, daily_limit=0)

    assert all(rate.check("t", search=True).allowed for _ in range(5))
    refused = rate.check("t", search=True)
    assert refused.policy == "SECONDLY"
    clock.now += 1.01
    assert rate.check("t", search=True).allowed
