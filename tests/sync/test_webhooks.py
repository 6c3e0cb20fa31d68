"""The webhook receiver: HubSpot's pushes, verified, applied by the engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from sync_helpers import by_hubspot_id, events, other_value

from talkapp.hubspot.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_v3
from talkapp.simulator.portal import Portal
from talkapp.store.models import Direction, SyncState
from talkapp.sync.engine import SyncEngine
from talkapp.sync.webhooks import WebhookReceiver

SECRET = "webhook-secret-for-tests"


@pytest.fixture
async def receiver(engine: SyncEngine) -> AsyncIterator[WebhookReceiver]:
    running = WebhookReceiver(
        SECRET, engine.apply_webhook_events, asyncio.get_running_loop()
    )
    await asyncio.to_thread(running.start)
    yield running
    await asyncio.to_thread(running.stop)


def event(contact: str, value: str, at: int, event_id: int) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 1,
        "portalId": 62515,
        "appId": 1,
        "occurredAt": at,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": int(contact),
        "propertyName": "hs_lead_status",
        "propertyValue": value,
        "changeSource": "CRM_UI",
    }


async def post(
    receiver: WebhookReceiver,
    batch: Any,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    body: bytes | None = None,
) -> httpx.Response:
    raw = orjson.dumps(batch) if body is None else body
    stamp = time.time_ns() // 1_000_000 if timestamp is None else timestamp
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign_v3(secret, "POST", receiver.url, raw, stamp),
    }
    async with httpx.AsyncClient() as client:
        return await client.post(receiver.url, content=raw, headers=headers)


async def until(predicate) -> None:
    """Wait, five seconds at most, for an async condition to hold."""
    async with asyncio.timeout(5):
        while not await predicate():
            await asyncio.sleep(0.01)


def now() -> int:
    return time.time_ns() // 1_000_000


async def test_a_signed_event_updates_the_contact(engine, receiver, portal) -> None:
    contact = await by_hubspot_id(engine, 7)
    value = other_value(contact.disposition)

    response = await post(receiver, [event("7", value, now(), 1)])

    assert response.status_code == 200
    await until(lambda: _has(engine, 7, value))
    assert "hubspot_changed" in await events(engine, contact.id)


async def test_bad_signature_stale_and_replay_are_refused(engine, receiver) -> None:
    contact = await by_hubspot_id(engine, 8)
    value = other_value(contact.disposition)
    batch = [event("8", value, now(), 2)]

    forged = await post(receiver, batch, secret="not-the-secret")
    stale = await post(receiver, batch, timestamp=now() - 6 * 60 * 1000)
    assert forged.status_code == 401
    assert stale.status_code == 401

    stamp = now()
    raw = orjson.dumps(batch)
    first = await post(receiver, batch, timestamp=stamp, body=raw)
    replay = await post(receiver, batch, timestamp=stamp, body=raw)
    assert first.status_code == 200
    assert replay.status_code == 409
    assert receiver.refused == 3

    malformed = await post(receiver, None, body=b'{"not": "a list"}')
    assert malformed.status_code == 400


async def test_a_refused_request_changes_nothing(engine, receiver) -> None:
    contact = await by_hubspot_id(engine, 9)
    value = other_value(contact.disposition)
    await post(receiver, [event("9", value, now(), 3)], secret="wrong")
    await engine.sync_log()  # a round trip through the store
    assert (await by_hubspot_id(engine, 9)).disposition == contact.disposition


async def test_duplicates_apply_once_and_old_events_lose(engine, receiver) -> None:
    contact = await by_hubspot_id(engine, 10)
    older = other_value(contact.disposition)
    newer = other_value(contact.disposition, avoid=(older,))
    stamp = now()

    await post(receiver, [event("10", newer, stamp, 20)])
    await until(lambda: _has(engine, 10, newer))
    # The same event again (HubSpot retried it), then an older one, late.
    await post(receiver, [event("10", newer, stamp, 20)])
    await post(receiver, [event("10", older, stamp - 5000, 19)])

    await until(lambda: _applied(receiver, 3))
    assert (await by_hubspot_id(engine, 10)).disposition == newer
    assert (await events(engine, contact.id)).count("hubspot_changed") == 1


async def test_the_simulator_delivers_to_the_receiver(
    engine: SyncEngine, receiver: WebhookReceiver, sim_app: Starlette, portal: Portal
) -> None:
    sim_app.state.simulator.set_webhook(receiver.url, SECRET)
    try:
        contact = await by_hubspot_id(engine, 11)
        value = other_value(contact.disposition)
        portal.update("11", {"hs_lead_status": value}, "CRM_UI")
        await until(lambda: _has(engine, 11, value))
    finally:
        await sim_app.state.simulator.webhooks.aclose()
        sim_app.state.simulator.set_webhook(None, "")


async def test_events_of_another_portal_or_while_disconnected_are_ignored(
    engine, receiver
) -> None:
    contact = await by_hubspot_id(engine, 15)
    value = other_value(contact.disposition)
    elsewhere = {**event("15", value, now(), 40), "portalId": 999}
    await post(receiver, [elsewhere])
    await until(lambda: _applied(receiver, 1))
    assert (await by_hubspot_id(engine, 15)).disposition == contact.disposition

    await engine.disconnect()
    await post(receiver, [event("15", value, now(), 41)])
    await until(lambda: _applied(receiver, 2))
    assert (await by_hubspot_id(engine, 15)).disposition == contact.disposition


async def test_a_dropped_webhook_is_caught_by_the_next_poll(engine, portal) -> None:
    contact = await by_hubspot_id(engine, 12)
    value = other_value(contact.disposition)
    portal.update("12", {"hs_lead_status": value}, "CRM_UI")  # nobody listening
    await engine.sync_once()
    assert (await by_hubspot_id(engine, 12)).disposition == value


async def test_the_echo_of_a_push_is_not_a_hubspot_change(
    engine: SyncEngine, receiver: WebhookReceiver, sim_app: Starlette
) -> None:
    sim_app.state.simulator.set_webhook(receiver.url, SECRET)
    try:
        await engine.set_direction(Direction.TWO_WAY)
        contact = await by_hubspot_id(engine, 13)
        value = other_value(contact.disposition)
        await engine.set_disposition(contact.id, value)
        await engine.sync_once()
        await sim_app.state.simulator.webhooks.drain()
        await until(lambda: _applied(receiver, 1))
        fresh = await by_hubspot_id(engine, 13)
        assert fresh.sync_state is SyncState.SYNCED
        assert "hubspot_changed" not in await events(engine, contact.id)
    finally:
        await sim_app.state.simulator.webhooks.aclose()
        sim_app.state.simulator.set_webhook(None, "")


async def test_one_way_local_change_is_replaced_by_a_pushed_change(
    engine, receiver
) -> None:
    contact = await by_hubspot_id(engine, 14)
    local = other_value(contact.disposition)
    await engine.set_disposition(contact.id, local)
    hubspot = other_value(contact.disposition, avoid=(local,))

    await post(receiver, [event("14", hubspot, now(), 30)])

    await until(lambda: _has(engine, 14, hubspot))
    assert "overwritten" in await events(engine, contact.id)


async def _has(engine: SyncEngine, hubspot_id: int, value: str) -> bool:
    return (await by_hubspot_id(engine, hubspot_id)).disposition == value


async def _applied(receiver: WebhookReceiver, batches: int) -> bool:
    return receiver.applied >= batches
