"""Helpers shared by the HubSpot client tests (a fake HubSpot's pieces)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from talkapp.hubspot import HubSpotClient

# Looks like a real private-app token so a leak would be easy to spot.
SECRET = "pat-na1-7f3c2a91-SECRET-4d2e-b8f0-token"
BASE_URL = "https://api.hubapi.com"

Handler = Callable[[httpx.Request], httpx.Response]


def contact_json(contact_id: int | str, **properties: str | None) -> dict[str, Any]:
    """A contact as HubSpot's v3 API returns it."""
    return {
        "id": str(contact_id),
        "properties": {"hs_object_id": str(contact_id), **properties},
        "createdAt": "2026-12-03T16:00:00.123Z",
        "updatedAt": "2026-12-03T16:05:00.456Z",
        "archived": False,
    }


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content or b"null")


class Recorder:
    """A MockTransport handler that remembers every request it answered."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def count(self) -> int:
        return len(self.requests)


MakeClient = Callable[..., HubSpotClient]
