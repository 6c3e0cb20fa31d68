"""Helpers for the engine tests (imported by the ``test_sync_*`` modules)."""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from talkapp.hubspot import HubSpotClient
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.simulator.properties import DEFAULT_OPTIONS
from talkapp.simulator.testing import client_factory
from talkapp.store.async_store import AsyncStore
from talkapp.store.models import Contact, HistoryEntry, LogEntry, SyncState
from talkapp.sync.engine import SyncEngine
from talkapp.sync.secrets import MemoryTokenStore, TokenStore

URL = "http://simulator.test"
CONTACTS = "/crm/v3/objects/contacts"
LEAD_STATUS = "hs_lead_status"
HUBSPOT_VALUES = [value for _, value in DEFAULT_OPTIONS]
HUBSPOT_LABELS = [label for label, _ in DEFAULT_OPTIONS]
TALK_DEFAULT_LABELS = [
    "New",
    "Open",
    "In progress",
    "Open deal",
    "Unqualified",
    "Attempted to call",
    "Connected",
    "Bad timing",
]


@dataclass
class Recorder:
    """An observer that writes down every event the engine emits."""

    events: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.events.append((name, args))

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, args in self.events if event == name]


def options(*rows: tuple[str, str] | tuple[str, str, bool]) -> list[dict[str, Any]]:
    """HubSpot option dicts, in the given order, from (label, value[, hidden])."""
    made = []
    for order, row in enumerate(rows):
        label, value = row[0], row[1]
        hidden = row[2] if len(row) > 2 else False
        made.append(
            {"label": label, "value": value, "displayOrder": order, "hidden": hidden}
        )
    return made


def default_options() -> list[tuple[str, str]]:
    return list(DEFAULT_OPTIONS)


def set_options(portal: Portal, rows: list[tuple[str, str]] | list[Any]) -> None:
    """Replace HubSpot's lead-status options, as an admin does in HubSpot."""
    portal.update_property(LEAD_STATUS, {"options": options(*rows)})


def hubspot_value(portal: Portal, hubspot_id: str | int) -> str | None:
    return portal.get(hubspot_id).properties.get(LEAD_STATUS)


def other_value(current: str | None, *, avoid: tuple[str, ...] = ()) -> str:
    """A default HubSpot value different from ``current`` (and ``avoid``)."""
    return next(v for v in HUBSPOT_VALUES if v != current and v not in avoid)


def assert_copied(talk: list[Contact], portal: Portal) -> None:
    """Talk holds every HubSpot contact once, each as HubSpot has it."""
    listed, _ = portal.page(None, portal.count())
    assert sorted(int(c.hubspot_id) for c in talk) == [c.id for c in listed]
    for contact in talk:
        props = portal.get(contact.hubspot_id).properties
        name = f"{props.get('firstname', '')} {props.get('lastname', '')}".strip()
        assert (contact.name, contact.email, contact.phone) == (
            name,
            props.get("email", ""),
            props.get("phone", ""),
        )
        assert contact.disposition == (props.get(LEAD_STATUS) or None)
        assert contact.hubspot_modified == int(props["lastmodifieddate"])
        assert contact.sync_state is SyncState.SYNCED


async def by_hubspot_id(engine: SyncEngine, hubspot_id: str | int) -> Contact:
    found = [c for c in await engine.contacts() if c.hubspot_id == str(hubspot_id)]
    assert found, f"no contact with HubSpot id {hubspot_id} in Talk"
    return found[0]


async def events(engine: SyncEngine, contact_id: int) -> list[str]:
    return [entry.event for entry in await engine.history(contact_id)]


async def last_history(engine: SyncEngine, contact_id: int) -> HistoryEntry:
    return (await engine.history(contact_id))[-1]


async def log_since(engine: SyncEngine, mark: int) -> list[LogEntry]:
    """Sync-log lines written after ``mark`` (a log id)."""
    return [e for e in await engine.sync_log(10_000) if e.id > mark]


async def log_mark(engine: SyncEngine) -> int:
    entries = await engine.sync_log(1)
    return entries[-1].id if entries else 0


class Requests:
    """What the simulator was asked, counted by kind, from a starting point."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.start = Counter(simulator.requests)

    def since(self) -> Counter[str]:
        now = Counter(self.simulator.requests)
        now.subtract(self.start)
        return +now


MemoryTokens = MemoryTokenStore


asgi_client_factory = client_factory


def network_client_factory(url: str, token: str) -> HubSpotClient:
    """A client over real sockets, with short retry waits."""
    return HubSpotClient(
        url,
        token,
        rate_limit=None,
        search_rate_limit=None,
        retry_wait_initial=0.001,
        retry_wait_max=0.005,
        timeout=2.0,
    )


@dataclass
class EngineMaker:
    """Opens engines on a store path; everything it opened is closed at teardown."""

    app: Starlette
    tokens: MemoryTokens
    opened: list[tuple[SyncEngine, AsyncStore]] = field(default_factory=list)

    def __call__(
        self,
        path: Path,
        *,
        factory: Callable[[str, str], HubSpotClient] | None = None,
        tokens: TokenStore | None = None,
    ) -> SyncEngine:
        store = AsyncStore(path)
        engine = SyncEngine(
            store,
            tokens=tokens or self.tokens,
            client_factory=factory or asgi_client_factory(self.app),
        )
        self.opened.append((engine, store))
        return engine

    async def close(self, engine: SyncEngine) -> None:
        """Close one engine and its store now (to reopen the same file)."""
        for pair in list(self.opened):
            if pair[0] is engine:
                self.opened.remove(pair)
                await engine.aclose()
                pair[1].close()

    async def close_all(self) -> None:
        for engine, store in self.opened:
            await engine.aclose()
            store.close()
        self.opened.clear()


async def patch_settings(sim_http: httpx.AsyncClient, **changes: Any) -> None:
    """Turn the simulator's fault knobs through its QA API, as QA does."""
    answer = await sim_http.patch("/_simulator/settings", json=changes)
    answer.raise_for_status()


async def logged(
    engine: SyncEngine, mark: int, event: str, contact_id: int, *values: str | None
) -> bool:
    """True when a sync-log line since ``mark`` tells of ``event`` on the
    contact and names each of ``values`` (a supervisor reads only the log)."""

    def names(message: str, value: str | None) -> bool:
        word = re.escape(str(value))
        return (
            re.search(rf"(?<![A-Za-z0-9_]){word}(?![A-Za-z0-9_])", message) is not None
        )

    return any(
        line.event == event
        and line.contact_id == contact_id
        and all(names(line.message, value) for value in values)
        for line in await log_since(engine, mark)
    )


async def reload(engine: SyncEngine, contact: Contact) -> Contact:
    fresh = await engine.contact(contact.id)
    assert fresh is not None
    return fresh


def hubspot_change(portal: Portal, hubspot_id: str, value: str) -> int:
    """Change a lead status as a HubSpot user does; returns HubSpot's timestamp."""
    contact = portal.update(hubspot_id, {"hs_lead_status": value}, "CRM_UI")
    return int(contact.properties["lastmodifieddate"])


class ListPages(httpx.AsyncBaseTransport):
    """The simulator, with a hand on the contact list: ``before[n]`` is
    awaited before the page starting at contact n is served, and the pages
    starting at the contacts in ``broken`` come back with a contact HubSpot
    would never send. (The simulator's ids run 1 to N; a page's ``after``
    is the id it starts at.)"""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.served = 0
        self.before: dict[int, Callable[[], Awaitable[object]]] = {}
        self.broken: set[int] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != CONTACTS or request.method != "GET":
            return await self.inner.handle_async_request(request)
        first = int(request.url.params.get("after", 1))
        if first in self.before:
            await self.before[first]()
        response = await self.inner.handle_async_request(request)
        self.served += 1
        if first not in self.broken:
            return response
        body = (await response.aread()).replace(b'"properties":', b'"props":', 1)
        return httpx.Response(200, content=body, headers=response.headers)


async def until(
    check: Callable[[], bool | Awaitable[bool]], within: float = 20
) -> None:
    """Poll ``check`` until it holds; fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def gone(pid: int | None) -> bool:
    """The process has ended and been waited for."""
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def has_at_least(engine: SyncEngine, expected: int) -> bool:
    """Talk holds at least ``expected`` contacts."""
    return len(await engine.contacts()) >= expected


async def assert_written_up_to_the_cursor(engine: SyncEngine, portal: Portal) -> int:
    """Talk holds exactly the contacts listed before its resume cursor."""
    integration = await engine.integration()
    after = integration.full_sync_after
    listed, _ = portal.page(None, portal.count())
    if integration.full_sync_started is None:
        before = [c.id for c in listed]  # the walk is over
    else:
        before = [c.id for c in listed if after is not None and c.id < int(after)]
    talk = await engine.contacts()
    assert sorted(int(c.hubspot_id) for c in talk) == before
    return len(talk)
