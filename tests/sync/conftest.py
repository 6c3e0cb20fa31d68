"""Fixtures for the sync engine's tests: an engine over the in-process simulator.

``engine`` is a fresh store in ``tmp_path`` and a ``SyncEngine`` whose HubSpot
client talks to the simulator through ``httpx.ASGITransport``, connected and
fully synced once. ``make_engine`` opens more engines (a reopened store, a
token of another scope, an unreachable URL) and closes them all at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from sync_helpers import URL, EngineMaker, MemoryTokens, Recorder

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.sync.engine import SyncEngine


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """A small portal without rate limits, so request counts are exact."""
    return SimulatorConfig(
        token=DEFAULT_TOKEN,
        contacts=300,
        seed=1,
        rate_limit=0,
        tokens={"read-only": ("crm.objects.contacts.read",)},
    )


@pytest.fixture
def simulator(sim_app: Starlette) -> Simulator:
    return sim_app.state.simulator


@pytest.fixture
def portal(sim_app: Starlette) -> Portal:
    return sim_app.state.portal


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "talk.sqlite3"


@pytest.fixture
async def make_engine(sim_app: Starlette) -> AsyncIterator[EngineMaker]:
    maker = EngineMaker(sim_app, MemoryTokens())
    yield maker
    await maker.close_all()


@pytest.fixture
async def fresh_engine(make_engine: EngineMaker, db_path: Path) -> SyncEngine:
    """An engine that has never been connected."""
    return make_engine(db_path)


@pytest.fixture
async def engine(fresh_engine: SyncEngine) -> SyncEngine:
    """Connected to the simulator (default direction) and fully synced once."""
    await fresh_engine.connect(URL, DEFAULT_TOKEN)
    await fresh_engine.sync_once()
    return fresh_engine


@pytest.fixture
def recorder(fresh_engine: SyncEngine) -> Recorder:
    """Everything the engine announces to its observers."""
    recorder = Recorder()
    fresh_engine.observers.subscribe(recorder)
    return recorder
