"""The integration lifecycle: never connected → connected → disconnected →
reconnected; a failed connection attempt changes nothing at all."""

from __future__ import annotations

import socket
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from sync_helpers import (
    URL,
    EngineMaker,
    MemoryTokens,
    assert_copied,
    by_hubspot_id,
    hubspot_value,
    network_client_factory,
    other_value,
)

from talkapp.hubspot import (
    AuthenticationError,
    HubSpotError,
    MissingScopeError,
    UnavailableError,
)
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.portal import Portal
from talkapp.simulator.testing import client_factory
from talkapp.store.errors import RefusedError
from talkapp.store.models import Direction, SyncState
from talkapp.sync.engine import NotConnectedError, SyncEngine


async def snapshot(engine: SyncEngine) -> dict[str, Any]:
    """Everything a failed connection attempt must leave as it was."""
    integration = await engine.integration()
    return {
        "integration": integration,
        "statuses": await engine.statuses(),
        "offered": await engine.offered(),
        "log": await engine.sync_log(10_000),
        "contacts": await engine.contacts(),
        "outbox": await engine.store.outbox_size(),
        "token": engine.tokens.load(integration.hubspot_url or URL),
    }


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


OTHER_URL = "http://other-portal.test"

Attempt = Callable[[EngineMaker, Path], Awaitable[None]]


async def bad_token(make_engine: EngineMaker, path: Path) -> None:
    engine = make_engine(path)
    with pytest.raises(AuthenticationError) as failed:
        await engine.connect(URL, "not-a-token")
    assert "token" in str(failed.value)
    assert "\n" not in str(failed.value)


async def missing_scope(make_engine: EngineMaker, path: Path) -> None:
    engine = make_engine(path)
    with pytest.raises(MissingScopeError) as failed:
        await engine.connect(URL, "read-only")
    message = str(failed.value)
    assert "crm.objects.contacts.write" in message
    assert "crm.schemas.contacts.read" in message
    assert "\n" not in message


async def unreachable(make_engine: EngineMaker, path: Path) -> None:
    engine = make_engine(path, factory=network_client_factory)
    with pytest.raises(UnavailableError) as failed:
        await engine.connect(closed_port_url(), DEFAULT_TOKEN)
    assert "127.0.0.1" in str(failed.value)
    assert "\n" not in str(failed.value)


async def empty_token(make_engine: EngineMaker, path: Path) -> None:
    engine = make_engine(path)
    with pytest.raises(RefusedError, match="token is required"):
        await engine.connect(URL, "   ")


ATTEMPTS = [bad_token, missing_scope, unreachable, empty_token]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.__name__)
async def test_a_failed_first_connection_changes_nothing(
    make_engine: EngineMaker, db_path: Path, attempt: Attempt
) -> None:
    witness = make_engine(db_path)
    await witness.set_direction("two-way")
    before = await snapshot(witness)

    await attempt(make_engine, db_path)

    assert await snapshot(witness) == before
    assert (await witness.integration()).state == "never_connected"


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.__name__)
async def test_a_failed_reconnection_changes_nothing(
    engine: SyncEngine,
    make_engine: EngineMaker,
    db_path: Path,
    portal: Portal,
    attempt: Attempt,
) -> None:
    # Disconnected in two-way with a queued change: a real reconnection
    # would reset the direction and cancel it; a failed one must not.
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 3)
    await engine.set_disposition(contact.id, other_value(contact.disposition))
    await engine.disconnect()
    before = await snapshot(engine)

    await attempt(make_engine, db_path)

    assert await snapshot(engine) == before
    assert await engine.direction() is Direction.TWO_WAY
    assert await engine.store.outbox_size() == 1


async def test_the_lifecycle_from_never_connected_to_reconnected(
    fresh_engine: SyncEngine, portal: Portal
) -> None:
    engine = fresh_engine
    assert (await engine.integration()).state == "never_connected"
    with pytest.raises(NotConnectedError):
        await engine.sync_once()
    with pytest.raises(RefusedError, match="not connected"):
        await engine.disconnect()

    await engine.connect(URL, DEFAULT_TOKEN)
    integration = await engine.integration()
    assert integration.state == "connected"
    assert integration.hubspot_url == URL
    assert integration.portal_id == 62515
    summary = await engine.sync_once()
    assert summary.full
    assert summary.pulled == portal.count() == len(await engine.contacts())
    assert (await engine.integration()).last_sync_ok is True

    await engine.disconnect()
    assert (await engine.integration()).state == "disconnected"
    assert engine.tokens.load(URL) is None
    with pytest.raises(NotConnectedError):
        await engine.sync_once()

    # HubSpot moves on while Talk is disconnected; reconnecting catches up
    # incrementally, not with a second full read.
    contact = await by_hubspot_id(engine, 2)
    new = other_value(contact.disposition)
    portal.update(2, {"hs_lead_status": new}, "CRM_UI")

    await engine.connect(URL, DEFAULT_TOKEN)
    assert (await engine.integration()).state == "connected"
    summary = await engine.sync_once()
    assert not summary.full
    assert summary.changed == 1
    assert (await by_hubspot_id(engine, 2)).disposition == new
    events = [e.event for e in await engine.sync_log(10_000)]
    assert events.count("connected") == 2
    assert events.count("disconnected") == 1


async def test_disconnected_agent_changes_stay_local(
    engine: SyncEngine, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    await engine.disconnect()
    contact = await by_hubspot_id(engine, 4)
    theirs = contact.disposition
    ours = other_value(theirs)

    changed = await engine.set_disposition(contact.id, ours)

    assert changed.sync_state is SyncState.LOCAL_ONLY
    assert await engine.store.outbox_size() == 0
    await engine.connect(URL, DEFAULT_TOKEN)
    await engine.sync_once()
    assert hubspot_value(portal, 4) == theirs


async def test_a_change_while_disconnected_supersedes_one_still_queued(
    engine: SyncEngine, portal: Portal
) -> None:
    await engine.set_direction("two-way")
    contact = await by_hubspot_id(engine, 4)
    theirs = contact.disposition
    queued = other_value(theirs)
    await engine.set_disposition(contact.id, queued)  # no sync runs to push it
    await engine.disconnect()
    ours = other_value(theirs, avoid=(queued,))

    changed = await engine.set_disposition(contact.id, ours)

    assert changed.sync_state is SyncState.LOCAL_ONLY
    assert await engine.store.outbox_size() == 0
    last = (await engine.history(contact.id))[-1]
    assert (last.new_value, last.outcome.split("; ")[-1]) == (
        ours,
        f"replaces the unsent “{queued}”",
    )
    await engine.connect(URL, DEFAULT_TOKEN)
    await engine.sync_once()
    assert hubspot_value(portal, 4) == theirs
    assert (await engine.history(contact.id))[-1].new_value == ours


async def test_sync_failure_is_recorded_and_reported(
    engine: SyncEngine, sim_http: Any
) -> None:
    (
        await sim_http.patch("/_simulator/settings", json={"offline": True})
    ).raise_for_status()

    with pytest.raises(HubSpotError) as failed:
        await engine.sync_once()

    integration = await engine.integration()
    assert integration.last_sync_ok is False
    assert integration.last_error == str(failed.value)
    last = (await engine.sync_log())[-1]
    assert (last.event, last.level) == ("sync_failed", "WARNING")
    assert integration.connected


async def test_another_portal_brings_its_own_contacts_and_the_first_comes_back(
    engine: SyncEngine,
    make_engine: EngineMaker,
    db_path: Path,
    sim_app: Starlette,
    portal: Portal,
) -> None:
    # Another seed of the simulator: the same HubSpot ids, other people.
    other_app = create_app(
        SimulatorConfig(token=DEFAULT_TOKEN, contacts=120, seed=9, portal_id=777)
    )
    factories = {URL: client_factory(sim_app), OTHER_URL: client_factory(other_app)}
    await make_engine.close(engine)
    talk = make_engine(db_path, factory=lambda url, token: factories[url](url, token))
    await talk.connect(URL, DEFAULT_TOKEN)
    first = {c.id: c for c in await talk.contacts()}
    contact = await by_hubspot_id(talk, 3)
    chosen = other_value(contact.disposition)
    await talk.set_disposition(contact.id, chosen)

    said = await talk.connect(OTHER_URL, DEFAULT_TOKEN)
    summary = await talk.sync_once()

    assert "Portal 777's contacts replace portal 62515's in Talk" in said[-1]
    assert (summary.full, summary.pulled) == (True, 120)
    assert_copied(await talk.contacts(), other_app.state.portal)

    await talk.connect(URL, DEFAULT_TOKEN)
    back = {c.id: c for c in await talk.contacts()}
    assert back.keys() == first.keys()
    assert back[contact.id].disposition == chosen  # kept while away
    await talk.sync_once()
    assert_copied(await talk.contacts(), portal)


class ThreadNoting(MemoryTokens):
    """A keyring that notes the thread of every call; a real one may block
    on D-Bus or an unlock prompt."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[tuple[str, int]] = []

    def save(self, url: str, token: str) -> None:
        self.threads.append(("save", threading.get_ident()))
        super().save(url, token)

    def load(self, url: str) -> str | None:
        self.threads.append(("load", threading.get_ident()))
        return super().load(url)

    def forget(self, url: str) -> None:
        self.threads.append(("forget", threading.get_ident()))
        super().forget(url)


async def test_the_keyring_is_never_called_on_the_event_loops_thread(
    make_engine: EngineMaker, db_path: Path
) -> None:
    keyring = ThreadNoting()
    engine = make_engine(db_path, tokens=keyring)
    await engine.connect(URL, DEFAULT_TOKEN)
    await engine.sync_once()
    await make_engine.close(engine)
    # A restart: the first sync finds its token in the keyring.
    restarted = make_engine(db_path, tokens=keyring)
    await restarted.sync_once()
    await restarted.disconnect()

    assert [call for call, _ in keyring.threads] == ["save", "load", "forget"]
    loop_thread = threading.get_ident()
    assert all(thread != loop_thread for _, thread in keyring.threads)
