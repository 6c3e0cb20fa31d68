"""Fixtures for the simulator's tests; plain helpers live in ``sim_helpers``."""

from __future__ import annotations

import pytest
from sim_helpers import Receiver


@pytest.fixture
def receiver() -> Receiver:
    """A webhook endpoint that records what it is sent."""
    return Receiver()
