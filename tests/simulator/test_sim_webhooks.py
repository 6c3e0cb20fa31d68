"""Webhooks: lead-status changes POSTed as signed, batched, retried HubSpot events."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sim_helpers import BASE, TOKEN, Receiver, config, wait_for

from talkapp.hubspot.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify_v3,
)
from talkapp.simulator import create_app
from talkapp.simulator.portal import Change
from talkapp.simulator.server import LoopbackServer
from talkapp.simulator.webhooks import WebhookDispatcher

SECRET = "app-secret-for-tests"
EVENT_FIELDS = {
    "eventId",
    "subscriptionId",
    "portalId",
    "appId",
    "occurredAt",
    "subscriptionType",
    "attemptNumber",
    "objectId",
    "propertyName",
    "propertyValue",
    "changeSource",
}

pytestmark = pytest.mark.loopback


@pytest.fixture
def hooked(receiver: Receiver) -> Iterator[tuple[str, LoopbackServer]]:
    """(webhook URL, simulator server) with webhooks going to ``receiver``."""
    with LoopbackServer(receiver.app()) as hook_server:
        url = f"{hook_server.url}/hooks"
        app = create_app(
            config(
                contacts=300,
                webhook_url=url,
                webhook_secret=SECRET,
                webhook_retry_initial_s=0.05,
            )
        )
        with LoopbackServer(app) as server:
            yield url, server


def client_to(server: LoopbackServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}
    )


def events_of(receiver: Receiver) -> list[dict[str, Any]]:
    return [e for _, _, body in receiver.snapshot() for e in json.loads(body)]


async def other_status(client: httpx.AsyncClient, contact_id: int) -> str:
    response = await client.get(
        f"{BASE}/{contact_id}", params={"properties": "hs_lead_status"}
    )
    current = response.json()["properties"]["hs_lead_status"]
    return "CONNECTED" if current != "CONNECTED" else "OPEN"


async def test_lead_status_change_is_posted_signed_with_hubspots_fields(
    hooked: tuple[str, LoopbackServer], receiver: Receiver
) -> None:
    url, server = hooked
    async with client_to(server) as client:
        status = await other_status(client, 7)
        response = await client.patch(
            f"{BASE}/7", json={"properties": {"hs_lead_status": status}}
        )
        stamp = int(response.json()["properties"]["lastmodifieddate"])

        async def arrived() -> bool:
            return len(events_of(receiver)) >= 1

        await wait_for(arrived)

    (request_url, headers, body), *_ = receiver.snapshot()
    assert request_url == url
    assert headers["content-type"].startswith("application/json")
    verify_v3(
        SECRET,
        "POST",
        url,
        body,
        headers[TIMESTAMP_HEADER.lower()],
        headers[SIGNATURE_HEADER.lower()],
    )
    with pytest.raises(SignatureError):
        verify_v3(
            SECRET,
            "POST",
            url,
            body + b" ",
            headers[TIMESTAMP_HEADER.lower()],
            headers[SIGNATURE_HEADER.lower()],
        )
    events = json.loads(body)
    assert isinstance(events, list)
    (event,) = events
    assert set(event) >= EVENT_FIELDS
    assert event["subscriptionType"] == "contact.propertyChange"
    assert event["objectId"] == 7
    assert event["propertyName"] == "hs_lead_status"
    assert event["propertyValue"] == status
    assert event["occurredAt"] == stamp
    assert event["attemptNumber"] == 0
    assert isinstance(event["portalId"], int)
    assert isinstance(event["appId"], int)
    assert isinstance(event["eventId"], int)
    assert event["changeSource"]


async def test_only_lead_status_changes_are_sent(
    hooked: tuple[str, LoopbackServer], receiver: Receiver
) -> None:
    _, server = hooked
    async with client_to(server) as client:
        await client.patch(f"{BASE}/3", json={"properties": {"firstname": "Quiet"}})
        status = await other_status(client, 4)
        await client.patch(f"{BASE}/4", json={"properties": {"hs_lead_status": status}})

        async def arrived() -> bool:
            return len(events_of(receiver)) >= 1

        await wait_for(arrived)

    events = events_of(receiver)
    assert [(e["objectId"], e["propertyName"]) for e in events] == [
        (4, "hs_lead_status")
    ]


async def test_import_of_250_changes_arrives_in_batches_under_100(
    hooked: tuple[str, LoopbackServer], receiver: Receiver
) -> None:
    url, server = hooked
    async with client_to(server) as client:
        current: dict[str, str] = {}
        for first in (1, 101, 201):
            read = await client.post(
                f"{BASE}/batch/read",
                json={
                    "inputs": [{"id": str(i)} for i in range(first, first + 100)],
                    "properties": ["hs_lead_status"],
                },
            )
            for contact in read.json()["results"]:
                current[contact["id"]] = contact["properties"]["hs_lead_status"]
        # A new value for each of the first 250, so every one really changes.
        wanted = {
            str(i): "UNQUALIFIED" if current[str(i)] != "UNQUALIFIED" else "OPEN_DEAL"
            for i in range(1, 251)
        }

        response = await client.post(
            "/_simulator/import",
            json={
                "inputs": [
                    {"id": i, "properties": {"hs_lead_status": value}}
                    for i, value in wanted.items()
                ]
            },
        )
        assert response.status_code == 200
        stamp = int(response.json()["results"][0]["properties"]["lastmodifieddate"])

        async def all_arrived() -> bool:
            return len(events_of(receiver)) >= 250

        await wait_for(all_arrived)

    posts = receiver.snapshot()
    batches = [json.loads(body) for _, _, body in posts]
    assert len(batches) >= 3
    assert all(0 < len(batch) < 100 for batch in batches)
    events = [e for batch in batches for e in batch]
    assert sorted(e["objectId"] for e in events) == list(range(1, 251))
    assert {str(e["objectId"]): e["propertyValue"] for e in events} == wanted
    assert {e["occurredAt"] for e in events} == {stamp}
    assert {e["changeSource"] for e in events} == {"IMPORT"}
    for _, headers, body in posts:
        verify_v3(
            SECRET,
            "POST",
            url,
            body,
            headers[TIMESTAMP_HEADER.lower()],
            headers[SIGNATURE_HEADER.lower()],
        )


async def test_failed_delivery_is_retried_with_rising_attempt_number(
    receiver: Receiver,
) -> None:
    receiver.fail_first = 2
    with LoopbackServer(receiver.app()) as hook_server:
        url = f"{hook_server.url}/hooks"
        app = create_app(
            config(
                contacts=20,
                webhook_url=url,
                webhook_secret=SECRET,
                webhook_retry_initial_s=0.05,
            )
        )
        with LoopbackServer(app) as server:
            async with client_to(server) as client:
                status = await other_status(client, 2)
                await client.patch(
                    f"{BASE}/2", json={"properties": {"hs_lead_status": status}}
                )

                async def delivered() -> bool:
                    return len(receiver.snapshot()) >= 3

                await wait_for(delivered)
                stats = (await client.get("/_simulator/stats")).json()

    posts = receiver.snapshot()
    attempts = [json.loads(body)[0]["attemptNumber"] for _, _, body in posts]
    assert attempts[:3] == [0, 1, 2]
    assert len({json.loads(body)[0]["eventId"] for _, _, body in posts}) == 1
    for _, headers, body in posts:
        verify_v3(
            SECRET,
            "POST",
            url,
            body,
            headers[TIMESTAMP_HEADER.lower()],
            headers[SIGNATURE_HEADER.lower()],
        )
    assert stats["webhooks_delivered"] == 1


def change(contact_id: int, value: str, at_ms: int = 1_700_000_000_000) -> Change:
    return Change(contact_id, "hs_lead_status", value, at_ms, "CRM_UI", None)


async def test_dispatcher_backs_off_and_gives_up_after_max_attempts() -> None:
    seen: list[tuple[float, int]] = []
    loop_time = asyncio.get_running_loop().time

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append((loop_time(), json.loads(request.content)[0]["attemptNumber"]))
        return httpx.Response(503)

    dispatcher = WebhookDispatcher(
        "https://receiver.test/hooks",
        SECRET,
        portal_id=1,
        app_id=2,
        retry_initial_s=0.02,
        max_attempts=4,
        transport=httpx.MockTransport(refuse),
    )
    try:
        dispatcher.on_changes([change(5, "OPEN")])
        await dispatcher.drain()
    finally:
        await dispatcher.aclose()

    assert [attempt for _, attempt in seen] == [0, 1, 2, 3]
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(seen)]
    assert gaps[0] >= 0.02
    assert gaps[1] >= 0.04
    assert gaps[2] >= 0.08
    assert dispatcher.failed_batches == 1
    assert dispatcher.delivered == 0


async def test_dispatcher_survives_network_errors_then_delivers() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)[0]["attemptNumber"])
        if len(calls) == 1:
            raise httpx.ConnectError("receiver down", request=request)
        verify_v3(
            SECRET,
            request.method,
            str(request.url),
            request.content,
            request.headers[TIMESTAMP_HEADER],
            request.headers[SIGNATURE_HEADER],
        )
        return httpx.Response(200)

    dispatcher = WebhookDispatcher(
        "https://receiver.test/hooks?portal=1",
        SECRET,
        portal_id=1,
        app_id=2,
        retry_initial_s=0.01,
        transport=httpx.MockTransport(flaky),
    )
    try:
        dispatcher.on_changes([change(1, "NEW"), change(2, "OPEN")])
        await dispatcher.drain()
    finally:
        await dispatcher.aclose()

    assert calls == [0, 1]
    assert dispatcher.delivered == 2
