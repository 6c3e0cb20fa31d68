"""Fixtures for the HubSpot client tests: a client over a fake HubSpot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hubspot_fakes import BASE_URL, SECRET, Handler, MakeClient

from talkapp.hubspot import HubSpotClient


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """``make_client(handler, **options)``: a client over ``MockTransport``.

    Client-side pacing is off and retry waits are tiny unless a test asks.
    """
    made: list[HubSpotClient] = []

    def make(handler: Handler, **options: Any) -> HubSpotClient:
        options.setdefault("rate_limit", None)
        options.setdefault("search_rate_limit", None)
        options.setdefault("retry_wait_initial", 0.001)
        options.setdefault("retry_wait_max", 0.005)
        client = HubSpotClient(
            BASE_URL, SECRET, transport=httpx.MockTransport(handler), **options
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
