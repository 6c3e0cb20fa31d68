"""Real-time HubSpot → Talk: a webhook receiver on loopback.

HubSpot POSTs ``contact.propertyChange`` events for ``hs_lead_status`` in
batches, signed v3. The receiver checks the signature and the timestamp
(older than five minutes is refused), refuses a request it has already
seen (a replay), answers at once, and hands the events to the engine, which
stays the only writer. Duplicated and out-of-order events are harmless: the
engine drops event ids it has applied and the rules ignore a change older
than what Talk already holds. Polling carries on as the safety net, so a
dropped webhook is caught by the next cycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from talkapp.hubspot.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify_v3,
)
from talkapp.loopback import LoopbackServer
from talkapp.store.models import Incoming

log = logging.getLogger("talkapp.sync.webhooks")

PATH = "/webhooks/hubspot"
LEAD_STATUS = "hs_lead_status"
REMEMBERED = 10_000  # signatures and event ids kept for replay / duplicate checks

Deliver = Callable[[list[dict[str, Any]]], Awaitable[None]]


class Recent:
    """A bounded set that forgets its oldest entries first."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._items: OrderedDict[Any, None] = OrderedDict()
        self._size = size

    def add(self, item: Any) -> bool:
        """Remember ``item``; False if it was already remembered."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return True


def latest_changes(
    events: list[dict[str, Any]], portal_id: int | None, seen: Recent
) -> list[Incoming]:
    """Each contact's latest lead status in ``events``, as a pulled record.

    Only events of ``portal_id`` count: a webhook app serves many portals,
    and after a switch to another portal the old one's events would
    otherwise land on the new one's contacts. Events already ``seen`` are
    dropped by id; out-of-order ones are settled by the rules (a change
    older than what Talk holds is stale).
    """
    ours = [e for e in events if _same_portal(e, portal_id)]
    if len(ours) < len(events):
        log.warning(
            "ignored %d webhook events for another portal", len(events) - len(ours)
        )
    fresh = [e for e in ours if seen.add(int(e["eventId"]))]
    fresh.sort(key=lambda e: (int(e["occurredAt"]), int(e["eventId"])))
    latest: dict[str, Incoming] = {}
    for event in fresh:
        hubspot_id = str(event["objectId"])
        latest[hubspot_id] = Incoming(
            hubspot_id=hubspot_id,
            firstname="",
            lastname="",
            email="",
            phone="",
            value=event.get("propertyValue") or None,
            modified=int(event["occurredAt"]),
            fields_known=False,
        )
    return list(latest.values())


def _same_portal(event: dict[str, Any], portal_id: int | None) -> bool:
    try:
        return portal_id is not None and int(event.get("portalId")) == portal_id
    except (TypeError, ValueError):
        return False


def lead_status_events(payload: Any) -> list[dict[str, Any]]:
    """The lead-status changes in a webhook body; raises ValueError if malformed."""
    if not isinstance(payload, list):
        raise ValueError("the body must be a JSON array of events")
    events = []
    for event in payload:
        if not isinstance(event, dict):
            raise ValueError("each event must be an object")
        if event.get("subscriptionType") != "contact.propertyChange":
            continue
        if event.get("propertyName") != LEAD_STATUS:
            continue
        try:
            int(event["objectId"])
            int(event["occurredAt"])
            int(event["eventId"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("an event lacks objectId, occurredAt or eventId") from None
        events.append(event)
    return events


class WebhookReceiver:
    """A Starlette app on 127.0.0.1 that verifies and forwards HubSpot webhooks.

    ``deliver`` is called on ``loop`` (the engine's loop) with each accepted
    batch; the HTTP side runs on its own thread so the GUI never waits on it.
    """

    def __init__(
        self,
        secret: str,
        deliver: Deliver,
        loop: asyncio.AbstractEventLoop,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self._secret = secret
        self._deliver = deliver
        self._loop = loop
        self._signatures = Recent()
        self.accepted = 0
        self.refused = 0
        self.applied = 0  # accepted batches the engine has finished applying
        app = Starlette(routes=[Route(PATH, self._receive, methods=["POST"])])
        self._server = LoopbackServer(app, host=host, port=port)

    @property
    def url(self) -> str:
        return f"{self._server.url}{PATH}"

    def start(self) -> None:
        self._server.start()
        log.info("webhook receiver listening at %s", self.url)

    def stop(self) -> None:
        self._server.stop()

    def __repr__(self) -> str:
        return f"<WebhookReceiver {self.url}>"

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER)
        try:
            verify_v3(
                self._secret,
                request.method,
                str(request.url),
                body,
                request.headers.get(TIMESTAMP_HEADER),
                signature,
            )
        except SignatureError as error:
            return self._refuse(401, f"webhook refused: {error}")
        if not self._signatures.add(signature):
            return self._refuse(
                409, "webhook refused: a replay of a request already seen"
            )
        try:
            events = lead_status_events(orjson.loads(body))
        except (orjson.JSONDecodeError, ValueError) as error:
            return self._refuse(400, f"webhook refused: {error}")

        self.accepted += 1
        self._loop.call_soon_threadsafe(self._schedule, events)
        return JSONResponse({"status": "accepted", "events": len(events)})

    def _schedule(self, events: list[dict[str, Any]]) -> None:
        task = asyncio.ensure_future(self._deliver(events))
        task.add_done_callback(self._on_delivered)

    def _on_delivered(self, task: asyncio.Future[Any]) -> None:
        self.applied += 1
        if not task.cancelled() and task.exception() is not None:
            log.error("applying webhook events failed", exc_info=task.exception())

    def _refuse(self, status: int, message: str) -> Response:
        self.refused += 1
        log.warning("%s", message)
        return JSONResponse({"status": "error", "message": message}, status_code=status)
