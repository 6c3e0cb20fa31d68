"""Fixtures shared by every test folder.

Qt runs offscreen in every test (set before anything imports Qt), and the
simulator is started by the tests that need it: in-process through
``httpx.ASGITransport``, or on loopback through ``LoopbackServer``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer

TOKEN = DEFAULT_TOKEN


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """A small, fast portal; tests change fields before asking for ``sim_app``."""
    return SimulatorConfig(token=TOKEN, contacts=300, seed=1)


@pytest.fixture
def sim_app(sim_config: SimulatorConfig) -> Starlette:
    return create_app(sim_config)


@pytest.fixture
async def sim_http(sim_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP to the in-process simulator, authenticated with the full token."""
    transport = httpx.ASGITransport(app=sim_app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://simulator.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield client


@pytest.fixture
def sim_server(sim_app: Starlette) -> Iterator[LoopbackServer]:
    """The same simulator served on 127.0.0.1."""
    with LoopbackServer(sim_app) as server:
        yield server
