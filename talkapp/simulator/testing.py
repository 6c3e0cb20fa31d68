"""HubSpot clients wired to an in-process simulator, for tests and benchmarks.

The client is the real one; only its transport is the ASGI app itself, so
no socket is opened. Pacing is off and retry waits are tiny, so faults a
test injects cost milliseconds, not the seconds a person would wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.applications import Starlette

from talkapp.hubspot import HubSpotClient

QUICK = {
    "rate_limit": None,
    "search_rate_limit": None,
    "retry_wait_initial": 0.001,
    "retry_wait_max": 0.005,
}


def client_factory(
    app: Starlette, **options: Any
) -> Callable[[str, str], HubSpotClient]:
    """``factory(url, token)`` giving clients that reach ``app`` in-process."""

    def make(url: str, token: str) -> HubSpotClient:
        return HubSpotClient(
            url,
            token,
            transport=httpx.ASGITransport(app=app),
            **{**QUICK, **options},
        )

    return make
