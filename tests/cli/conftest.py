"""Fixtures for the command-line tests: ``talkapp`` run as a real process
against the simulator served on loopback.

``talk(*args)`` runs ``python -m talkapp --data-dir DIR *args`` with the
token in ``HUBSPOT_ACCESS_TOKEN`` and returns the finished process; every
test gets its own data directory and its own portal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import READ_ONLY_TOKEN, Talk
from starlette.applications import Starlette

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig
from talkapp.simulator.portal import Portal
from talkapp.simulator.server import LoopbackServer


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """A small portal without rate limits, and a token lacking scopes."""
    return SimulatorConfig(
        token=DEFAULT_TOKEN,
        contacts=40,
        seed=3,
        rate_limit=0,
        tokens={READ_ONLY_TOKEN: ("crm.objects.contacts.read",)},
    )


@pytest.fixture
def portal(sim_app: Starlette) -> Portal:
    return sim_app.state.portal


@pytest.fixture(scope="session")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bytecode for every ``talkapp`` process of the session (faster starts)."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def talk(sim_server: LoopbackServer, tmp_path: Path, pycache: Path) -> Talk:
    return Talk(tmp_path / "data", sim_server.url, pycache)
