"""Webhook delivery: lead-status changes POSTed as HubSpot would, signed v3.

Changes are gathered for a moment into batches of fewer than 100 events,
each batch POSTed as a JSON array with ``X-HubSpot-Signature-v3``. A batch
that fails (network error or a non-2xx answer) is retried with exponential
backoff, ``attemptNumber`` counting up, until ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from typing import Any

import httpx
import orjson

from talkapp.hubspot.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_v3
from talkapp.simulator.portal import Change
from talkapp.simulator.properties import LEAD_STATUS

log = logging.getLogger("talkapp.simulator.webhooks")

MAX_BATCH = 99
GATHER_S = 0.02
SUBSCRIPTION_ID = 4_000_001


class WebhookDispatcher:
    """Turns portal changes into signed ``contact.propertyChange`` batches."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        portal_id: int,
        app_id: int,
        retry_initial_s: float = 1.0,
        max_attempts: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.portal_id = portal_id
        self.app_id = app_id
        self.retry_initial_s = retry_initial_s
        self.max_attempts = max_attempts
        self.delivered = 0
        self.failed_batches = 0
        self._transport = transport
        self._event_ids = itertools.count(1)
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def on_changes(self, changes: list[Change]) -> None:
        """Portal listener: queue one event per lead-status change."""
        for change in changes:
            if change.name != LEAD_STATUS:
                continue
            self._ensure_started()
            assert self._queue is not None
            self._queue.put_nowait(
                {
                    "eventId": next(self._event_ids),
                    "subscriptionId": SUBSCRIPTION_ID,
                    "portalId": self.portal_id,
                    "appId": self.app_id,
                    "occurredAt": change.at_ms,
                    "subscriptionType": "contact.propertyChange",
                    "attemptNumber": 0,
                    "objectId": change.contact_id,
                    "propertyName": change.name,
                    "propertyValue": change.value,
                    "changeSource": change.source,
                    "sourceId": change.source_id or "",
                }
            )

    async def drain(self) -> None:
        """Wait until every queued event was delivered or given up on."""
        if self._queue is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._queue = None

    def _ensure_started(self) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._client = httpx.AsyncClient(transport=self._transport, timeout=10)
            self._spawn(self._gather())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _gather(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            deadline = time.monotonic() + GATHER_S
            while len(batch) < MAX_BATCH:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), timeout))
                except TimeoutError:
                    break
            self._spawn(self._deliver(batch, len(batch)))

    async def _deliver(self, batch: list[dict[str, Any]], queued: int) -> None:
        assert self._client is not None
        assert self._queue is not None
        queue = self._queue
        try:
            for attempt in range(self.max_attempts):
                for event in batch:
                    event["attemptNumber"] = attempt
                if await self._post(batch):
                    self.delivered += len(batch)
                    return
                await asyncio.sleep(self.retry_initial_s * 2**attempt)
            self.failed_batches += 1
            log.warning(
                "gave up delivering %d webhook events after %d attempts",
                len(batch),
                self.max_attempts,
            )
        finally:
            for _ in range(queued):
                queue.task_done()

    async def _post(self, batch: list[dict[str, Any]]) -> bool:
        assert self._client is not None
        body = orjson.dumps(batch)
        timestamp = time.time_ns() // 1_000_000
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_v3(self.secret, "POST", self.url, body, timestamp),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            log.info("webhook delivery to %s failed: %s", self.url, error)
            return False
        if response.is_success:
            return True
        log.info("webhook receiver answered %d", response.status_code)
        return False
