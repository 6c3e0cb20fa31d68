"""Fixtures for the sync engine's tests: an engine over the in-process simulator.

``engine`` is a fresh store in ``tmp_path`` and a ``SyncEngine`` whose HubSpot
client talks to the simulator through ``httpx.ASGITransport``, connected and
fully synced once. ``make_engine`` opens more engines (a reopened store, a
token of another scope, an unreachable URL) and closes them all at teardown.
``talk`` is connected but never synced, its list pages served through
``pages``, which can hold or break any one page; ``writers`` records every
store writer process a sync starts, from walks of 3 pages on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from sync_helpers import URL, EngineMaker, ListPages, MemoryTokens, Recorder

from talkapp.hubspot import HubSpotClient
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig
from talkapp.simulator.app import Simulator
from talkapp.simulator.portal import Portal
from talkapp.simulator.testing import QUICK
from talkapp.sync import pull
from talkapp.sync.engine import SyncEngine
from talkapp.sync.writer import StoreWriter


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


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[StoreWriter]:
    """Every store writer a sync starts; here a walk of 3 pages gets one."""
    started: list[StoreWriter] = []

    class Recorded(StoreWriter):
        def __init__(self, path: Path) -> None:
            super().__init__(path)
            self.runs: list[int] = []
            started.append(self)

        async def apply(
            self, pages: list[bytes], *, at: int, progress: dict[str, Any]
        ) -> tuple[int, list[int]]:
            self.runs.append(len(pages))
            return await super().apply(pages, at=at, progress=progress)

    monkeypatch.setattr(pull, "StoreWriter", Recorded)
    monkeypatch.setattr(pull, "WRITER_MIN_PAGES", 3)
    return started


@pytest.fixture
def pages(sim_app: Starlette) -> ListPages:
    return ListPages(sim_app)


@pytest.fixture
async def talk(make_engine: EngineMaker, db_path: Path, pages: ListPages) -> SyncEngine:
    """Connected, never synced, its list pages served through ``pages``."""

    def factory(url: str, token: str) -> HubSpotClient:
        return HubSpotClient(url, token, transport=pages, **QUICK)

    engine = make_engine(db_path, factory=factory)
    await engine.connect(URL, DEFAULT_TOKEN)
    return engine


@pytest.fixture
def one_run_per_page(
    pages: ListPages, writers: list[StoreWriter], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer gets the walk's pages one run each: none is served past
    the first until the writer has started, and any one page makes a run."""
    monkeypatch.setattr(pull, "WRITER_RUN_PAGES", 1)

    async def writer_started() -> None:
        await writers[0].wait_started()

    pages.before[101] = writer_started
