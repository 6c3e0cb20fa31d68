"""Helpers for the simulator's own tests (imported by the ``test_sim_*`` modules).

Most tests build a portal with exactly the knobs they need (``portal_client``)
and talk to it in-process over ``httpx.ASGITransport``; the loopback tests use
``LoopbackServer`` from ``talkapp.simulator.server``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app

TOKEN = DEFAULT_TOKEN
BASE = "/crm/v3/objects/contacts"
LEAD_STATUS_PATH = "/crm/v3/properties/contacts/hs_lead_status"
DEFAULT_LEAD_STATUSES = [
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
]
RATE_LIMIT_HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


def config(**overrides: Any) -> SimulatorConfig:
    """A small portal with the given knobs turned."""
    values: dict[str, Any] = {"token": TOKEN, "contacts": 300, "seed": 1}
    values.update(overrides)
    return SimulatorConfig(**values)


@asynccontextmanager
async def client_for(
    app: Starlette, token: str | None = TOKEN
) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP to an in-process simulator; ``token=None`` sends no header."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://simulator.test",
        headers=headers,
    ) as client:
        yield client


@asynccontextmanager
async def portal_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh simulator with ``overrides`` and an authenticated client to it."""
    async with client_for(create_app(config(**overrides))) as client:
        yield client


def assert_error(
    response: httpx.Response, status: int, category: str | None = None
) -> dict[str, Any]:
    """HubSpot's error body: {status: "error", message, correlationId, category}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert isinstance(body["message"], str)
    assert body["message"]
    uuid.UUID(body["correlationId"])  # a real correlation id
    assert isinstance(body["category"], str)
    assert body["category"]
    if category is not None:
        assert body["category"] == category, body
    return body


def iso_ms(value: str) -> int:
    """HubSpot's ISO-8601 timestamp as epoch milliseconds."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return round(parsed.timestamp() * 1000)


def is_epoch_ms(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) == 13


async def wait_for(
    check: Callable[[], Awaitable[bool]], within: float = 5.0, every: float = 0.02
) -> float:
    """Poll ``check`` until it holds (at most ``within`` s); returns the seconds."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > within:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)
    return time.monotonic() - started


async def list_all(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every contact through the list endpoint, following ``paging``."""
    results: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    while True:
        page = await client.get(BASE, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        results += body["results"]
        if "paging" not in body:
            return results
        query["after"] = body["paging"]["next"]["after"]


@dataclass
class Receiver:
    """A webhook endpoint: records every POST; fails the first ``fail_first``."""

    fail_first: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.requests.append((str(request.url), dict(request.headers), body))
                failing = len(self.requests) <= self.fail_first
            return Response(status_code=500 if failing else 204)

        return Starlette(routes=[Route("/hooks", hook, methods=["POST"])])

    def snapshot(self) -> list[tuple[str, dict[str, str], bytes]]:
        with self.lock:
            return list(self.requests)
