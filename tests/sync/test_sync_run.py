"""The background loop the desktop app runs: it syncs when woken, pushes an
agent's two-way change without waiting for the interval, and survives a
failed cycle. Waits are on the engine's own events, with deadlines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sync_helpers import by_hubspot_id, hubspot_value, other_value, patch_settings

from talkapp.simulator.portal import Portal
from talkapp.sync.engine import SyncEngine

DEADLINE_S = 10.0
NEVER_S = 3_600.0  # an interval the tests must never have to wait out


class Events:
    """An observer that queues what the engine announces, to be awaited."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, tuple[Any, ...]]] = asyncio.Queue()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.queue.put_nowait((name, args))

    async def next(self, name: str) -> tuple[Any, ...]:
        async with asyncio.timeout(DEADLINE_S):
            while True:
                event, args = await self.queue.get()
                if event == name:
                    return args


@pytest.fixture
async def running(engine: SyncEngine) -> AsyncIterator[Events]:
    """``engine.run`` in the background, stopped and awaited at teardown."""
    events = Events()
    engine.observers.subscribe(events)
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop, interval=NEVER_S))
    yield events
    stop.set()
    async with asyncio.timeout(DEADLINE_S):
        await task
    with contextlib.suppress(ValueError):
        engine.observers.unsubscribe(events)


async def test_a_two_way_change_is_pushed_without_waiting_for_the_interval(
    engine: SyncEngine, running: Events, portal: Portal
) -> None:
    await running.next("sync_finished")
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 30)
    ours = other_value(contact.disposition)

    await engine.set_disposition(contact.id, ours)

    while (await running.next("sync_finished"))[0].pushed == 0:
        pass
    assert hubspot_value(portal, 30) == ours


async def test_a_failed_cycle_does_not_stop_the_loop(
    engine: SyncEngine, running: Events, sim_http: httpx.AsyncClient
) -> None:
    await running.next("sync_finished")
    await patch_settings(sim_http, offline=True)
    engine.wake()
    (message,) = await running.next("sync_failed")
    assert "unavailable" in message

    await patch_settings(sim_http, offline=False)
    engine.wake()
    await running.next("sync_finished")
    assert (await engine.integration()).last_sync_ok is True


async def test_a_wake_during_a_sync_is_not_lost(engine: SyncEngine) -> None:
    events = Events()
    woken = []

    class WakeWhileSyncing:
        def sync_started(self) -> None:
            if not woken:
                woken.append(True)
                engine.wake()  # e.g. an agent's change lands mid-sync

    engine.observers.subscribe(WakeWhileSyncing())
    engine.observers.subscribe(events)
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop, interval=NEVER_S))
    try:
        await events.next("sync_finished")
        await events.next("sync_finished")
    finally:
        stop.set()
        async with asyncio.timeout(DEADLINE_S):
            await task
