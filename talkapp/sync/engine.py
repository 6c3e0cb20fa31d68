"""The sync engine: the one API the command line and the desktop app use.

It owns the rules of the contract (``rules.py``), the HubSpot client, and
the order of a sync cycle: status list, contacts in, changes out. It imports
no Qt; the UI subscribes as an observer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from talkapp import logs
from talkapp.hubspot import (
    REQUIRED_SCOPES,
    HubSpotClient,
    HubSpotError,
    MissingScopeError,
)
from talkapp.hubspot.transport import tls_context
from talkapp.preferences import Preferences
from talkapp.store.async_store import AsyncStore
from talkapp.store.errors import RefusedError
from talkapp.store.models import (
    DEFAULT_DIRECTION,
    Contact,
    Direction,
    Disposition,
    HistoryEntry,
    Integration,
    LogEntry,
)
from talkapp.store.sqlite import now_ms
from talkapp.sync.observer import Observers
from talkapp.sync.pull import pull_contacts, pull_statuses
from talkapp.sync.push import push_outbox
from talkapp.sync.rules import on_hubspot_record
from talkapp.sync.secrets import TokenStore
from talkapp.sync.summary import SyncSummary
from talkapp.sync.webhooks import Recent, latest_changes
from talkapp.sync.writer import StoreWriterError

log = logging.getLogger("talkapp.sync")

TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"

ClientFactory = Callable[[str, str], HubSpotClient]


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class NotConnectedError(Exception):
    """A HubSpot operation was asked for while no portal is connected."""


def parse_direction(word: str) -> Direction:
    """The direction a user typed, or a refusal that lists the choices."""
    try:
        return Direction(word)
    except ValueError:
        choices = ", ".join(
            d.value for d in Direction if d is not Direction.TALK_TO_HUBSPOT
        )
        raise RefusedError(f"unknown direction {word!r}; choose {choices}") from None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SyncEngine:
    """Connect, sync, set dispositions and read Talk's data, by the rules."""

    def __init__(
        self,
        store: AsyncStore,
        *,
        tokens: TokenStore | None = None,
        client_factory: ClientFactory | None = None,
        preferences: Preferences | None = None,
    ) -> None:
        self.store = store
        self.preferences = preferences or Preferences()
        self.tokens = tokens or TokenStore()
        self.observers = Observers()
        self._client_factory = client_factory or _default_client
        self._client: HubSpotClient | None = None
        self._sync_lock = asyncio.Lock()
        # The running sync cycle, and why it is being stopped (a connection
        # change waits for it to end; see ``_sync_stopped``).
        self._cycle: asyncio.Future[None] | None = None
        self._stopping: str | None = None
        self._webhook_ids = Recent()
        self._wake = asyncio.Event()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- reading -----------------------------------------------------------------

    async def integration(self) -> Integration:
        return await self.store.integration()

    async def statuses(self) -> list[Disposition]:
        return await self.store.dispositions()

    async def offered(self) -> list[Disposition]:
        """The picker's choices, in HubSpot's order."""
        return await self.store.offered(await self.store.integration())

    async def contacts(
        self, search: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Contact]:
        return await self.store.contacts(search, limit, offset)

    async def contacts_by_ids(self, contact_ids: list[int]) -> list[Contact]:
        return await self.store.contacts_by_ids(contact_ids)

    async def contact(self, contact_id: int) -> Contact | None:
        return await self.store.contact(contact_id)

    async def history(self, contact_id: int) -> list[HistoryEntry]:
        if await self.store.contact(contact_id) is None:
            raise RefusedError(f"no contact with id {contact_id}")
        return await self.store.history(contact_id)

    async def unknown_values(self) -> list[tuple[str, int]]:
        """Contact values no status knows, with counts: shown raw, never dropped."""
        return await self.store.unknown_values()

    async def sync_health(self) -> tuple[Integration, dict[str, int], int]:
        """The integration, contacts per sync state, and changes queued for
        HubSpot: what the status bar and the HubSpot panel show."""
        return (
            await self.store.integration(),
            await self.store.sync_state_counts(),
            await self.store.outbox_size(),
        )

    async def sync_log(self, limit: int = 100) -> list[LogEntry]:
        return await self.store.sync_log(limit)

    def interval(self, integration: Integration) -> float:
        """How often ``run`` syncs: faster on a simulator on this machine."""
        url = integration.hubspot_url or ""
        if is_loopback(url):
            return self.preferences.simulator_sync_interval_s
        return self.preferences.sync_interval_s

    # -- the integration ---------------------------------------------------------

    async def connect(self, url: str, token: str) -> list[str]:
        """Check the token with HubSpot, then connect; a failure changes nothing.

        Every (re)connection starts at the default direction and cancels any
        change still queued for HubSpot. Returns what a person should be told,
        one line each: the direction reset (if any), then the status-list
        changes.
        """
        url = url.rstrip("/")
        token = token.strip()
        if not token:
            raise RefusedError("a HubSpot access token is required")
        logs.redact(token)

        client = await self._new_client(url, token)
        try:
            info = await client.check_access(REQUIRED_SCOPES)
            prop = await client.get_property()
        except BaseException:
            await client.aclose()
            raise
        log.debug(
            "token checked: portal %s, lead status has %d options",
            info.hub_id,
            len(prop.options),
        )

        async with self._sync_stopped("HubSpot was reconnected"):
            before = await self.store.integration()
            cancelled = await self.store.mark_connected(url, info.hub_id, now_ms())
            await asyncio.to_thread(self.tokens.save, url, token)
            await self.aclose()
            self._client = client

        announced: list[str] = []
        if before.has_hubspot_list or before.direction is not DEFAULT_DIRECTION:
            message = (
                f"Reconnected: sync direction reset to {DEFAULT_DIRECTION.label}."
                if before.has_hubspot_list
                else f"Connected: sync direction reset to {DEFAULT_DIRECTION.label}."
            )
            announced.append(message)
            self.observers.emit("direction_reset", message)
        if before.portal_id is not None and before.portal_id != info.hub_id:
            announced.append(
                f"Portal {info.hub_id}'s contacts replace portal"
                f" {before.portal_id}'s in Talk; those are kept for when it is"
                " connected again."
            )
        changes = announced + await pull_statuses(client, self.store)
        self.observers.emit("integration_changed")
        self.observers.emit("statuses_changed")
        if cancelled:
            self.observers.emit("contacts_changed", cancelled)
        self._wake.set()
        log.info("connected to HubSpot at %s (portal %s)", url, info.hub_id)
        return changes

    async def disconnect(self) -> None:
        integration = await self.store.integration()
        if not integration.connected:
            raise RefusedError("HubSpot is not connected")
        async with self._sync_stopped("HubSpot was disconnected"):
            await self.store.mark_disconnected(now_ms())
            if integration.hubspot_url:
                await asyncio.to_thread(self.tokens.forget, integration.hubspot_url)
            await self.aclose()
        self.observers.emit("integration_changed")
        self.observers.emit("statuses_changed")
        log.info("disconnected from HubSpot")

    async def direction(self) -> Direction:
        return (await self.store.integration()).direction

    async def set_direction(self, direction: Direction | str) -> None:
        """Set a supported direction; Talk → HubSpot alone is refused, unstored."""
        chosen = parse_direction(direction) if isinstance(direction, str) else direction
        cancelled = await self.store.set_direction(chosen, now_ms())
        self.observers.emit("integration_changed")
        if cancelled:
            self.observers.emit("contacts_changed", cancelled)
        self._wake.set()

    # -- dispositions ------------------------------------------------------------

    async def set_disposition(self, contact_id: int, value: str) -> Contact:
        """An agent's choice: saved at once; pushed only in two-way mode."""
        integration = await self.store.integration()
        contact = await self.store.set_disposition(
            contact_id, value, integration.direction, integration.connected, now_ms()
        )
        self.observers.emit("contacts_changed", [contact_id])
        if integration.direction is Direction.TWO_WAY:
            self._wake.set()
        return contact

    async def add_disposition(self, value: str, label: str, role: Role) -> None:
        self._admin_only(role, "add")
        value, label = _clean(value, "value"), _clean(label, "label")
        await self.store.add_disposition(value, label, now_ms())
        self.observers.emit("statuses_changed")

    async def rename_disposition(self, value: str, label: str, role: Role) -> None:
        self._admin_only(role, "rename")
        await self.store.rename_disposition(value, _clean(label, "label"), now_ms())
        self.observers.emit("statuses_changed")

    async def remove_disposition(self, value: str, role: Role) -> int:
        self._admin_only(role, "remove")
        kept = await self.store.remove_disposition(value, now_ms())
        self.observers.emit("statuses_changed")
        return kept

    @staticmethod
    def _admin_only(role: Role, verb: str) -> None:
        if role is not Role.ADMIN:
            raise RefusedError(f"only an admin may {verb} dispositions")

    # -- syncing -----------------------------------------------------------------

    async def sync_once(
        self, *, full: bool = False, retry_now: bool = False
    ) -> SyncSummary:
        """One cycle: status list, contacts from HubSpot, then (two-way) pushes.

        ``retry_now`` also pushes changes still waiting out a retry backoff,
        as a person pressing "Sync now" expects. A cycle stopped by a
        connection change returns early, its summary saying why.
        """
        async with self._sync_lock:
            integration = await self.store.integration()
            if not integration.connected:
                raise NotConnectedError("HubSpot is not connected; run connect first")
            client = await self._ensure_client(integration)
            if self._stopping is not None:
                return SyncSummary(stopped=self._stopping)
            summary = SyncSummary()
            started = time.monotonic()
            before = client.stats.requests
            # No await between the check above and this: a connection change
            # either sees this cycle, to stop it, or is seen by the check.
            self._cycle = cycle = asyncio.ensure_future(
                self._sync_steps(client, integration, summary, full, retry_now)
            )
            self.observers.emit("sync_started")
            try:
                await cycle
            except asyncio.CancelledError:
                if self._stopping is None or _cancelled_itself():
                    self.observers.emit("sync_failed", "the sync was cancelled")
                    raise
                summary.stopped = self._stopping
            except (HubSpotError, StoreWriterError) as error:
                await self.store.record_sync(now_ms(), False, str(error))
                await self.store.log("WARNING", "sync_failed", f"Sync failed: {error}")
                self.observers.emit("sync_failed", str(error))
                raise
            except BaseException as error:
                # Observers saw sync_started; they must not wait forever.
                self.observers.emit("sync_failed", f"{type(error).__name__}: {error}")
                raise
            finally:
                self._cycle = None
            summary.seconds = time.monotonic() - started
            summary.requests = client.stats.requests - before
            await self._record(summary)
            log.info(summary.line())
            self.observers.emit("sync_finished", summary)
            return summary

    async def _record(self, summary: SyncSummary) -> None:
        """The sync log's line for a cycle that ended without an error; one
        stopped early is not a sync that worked, nor one that failed."""
        if summary.stopped:
            await self.store.log("INFO", "sync_stopped", summary.line())
            return
        await self.store.record_sync(now_ms(), True)
        if summary.changed or summary.pushed or summary.rejected or summary.full:
            await self.store.log("INFO", "sync_finished", summary.line())

    async def _sync_steps(
        self,
        client: HubSpotClient,
        integration: Integration,
        summary: SyncSummary,
        full: bool,
        retry_now: bool,
    ) -> None:
        summary.status_changes = await pull_statuses(client, self.store)
        if summary.status_changes:
            self.observers.emit("statuses_changed")
        notify = self._notify_contacts
        await pull_contacts(client, self.store, summary, notify, full=full)
        if integration.direction is Direction.TWO_WAY:
            await push_outbox(client, self.store, summary, notify, retry_now=retry_now)

    async def stop_syncing(self, why: str) -> None:
        """Stop the sync under way, if any, and return once it has ended (as
        Talk closes); a first sync resumes where it stopped next time."""
        async with self._sync_stopped(why):
            pass

    @contextlib.asynccontextmanager
    async def _sync_stopped(self, why: str) -> AsyncIterator[None]:
        """Stop the running sync, if any, and hold off new ones while the
        connection changes: nothing the old connection fetched is written
        after the change (a cursor of another portal, say, or a run landing
        after a disconnect). A run being written is finished and announced
        first; a fetch or a rate-limit wait is cut short."""
        self._stopping = why
        try:
            if self._cycle is not None:
                log.info("stopping the sync under way: %s", why)
                self._cycle.cancel()
            async with self._sync_lock:
                yield
        finally:
            self._stopping = None

    async def run(self, stop: asyncio.Event, interval: float | None = None) -> None:
        """Sync every ``interval`` seconds (or when woken) until ``stop`` is set.

        A failed cycle is logged and retried next time; it never ends the loop.
        """
        while not stop.is_set():
            # Cleared before the cycle, so a wake that lands during it (an
            # agent's change mid-sync) starts the next cycle at once.
            self._wake.clear()
            integration = await self.store.integration()
            # Checked with no await before sync_once takes its lock: a stop
            # that came during the read above must not start a cycle.
            if integration.connected and not stop.is_set():
                try:
                    await self.sync_once()
                except (HubSpotError, NotConnectedError, StoreWriterError) as error:
                    log.warning("sync failed: %s", error)
            wait = interval or self.interval(integration)
            waiters = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self._wake.wait()),
            ]
            await asyncio.wait(
                waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    async def apply_webhook_events(self, events: list[dict[str, Any]]) -> list[int]:
        """Apply lead-status changes HubSpot pushed to the webhook receiver:
        the connected portal's, each event once (``latest_changes``).
        Contacts Talk does not know yet are left to the next poll, which
        brings their names too.
        """
        integration = await self.store.integration()
        if not integration.connected:
            return []
        latest = latest_changes(events, integration.portal_id, self._webhook_ids)
        if not latest:
            return []
        changed = await self.store.apply_hubspot(
            latest, on_hubspot_record, full=False, at=now_ms()
        )
        if changed:
            self.observers.emit("contacts_changed", changed)
        log.debug("webhook: %d contacts changed", len(changed))
        return changed

    def wake(self) -> None:
        """Ask ``run`` to sync now instead of at the next interval."""
        self._wake.set()

    def _notify_contacts(self, contact_ids: list[int]) -> None:
        self.observers.emit("contacts_changed", contact_ids)

    async def _ensure_client(self, integration: Integration) -> HubSpotClient:
        if self._client is not None:
            return self._client
        url = integration.hubspot_url or ""
        token = await asyncio.to_thread(self.tokens.load, url)
        token = token or os.environ.get(TOKEN_ENV)
        if not token:
            raise MissingTokenError(
                f"no HubSpot token for this session: connect again, or set {TOKEN_ENV}"
            )
        logs.redact(token)
        self._client = await self._new_client(url, token)
        return self._client

    async def _new_client(self, url: str, token: str) -> HubSpotClient:
        # Loading the CA bundle takes 30-50 ms the first time: it is done
        # off the event loop's thread, which under qasync is the window's.
        await asyncio.to_thread(tls_context)
        return self._client_factory(url, token)


class MissingTokenError(HubSpotError):
    """The integration is connected but this process has no token for it."""

    def describe(self) -> str:
        return self.message


def _cancelled_itself() -> bool:
    """The running task was asked to stop (as at shutdown), not just the
    cycle it awaits."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _default_client(url: str, token: str) -> HubSpotClient:
    return HubSpotClient(url, token)


def _clean(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise RefusedError(f"the disposition {what} cannot be empty")
    if len(cleaned) > 100:
        raise RefusedError(f"the disposition {what} is longer than 100 characters")
    return cleaned


__all__ = [
    "MissingScopeError",
    "MissingTokenError",
    "NotConnectedError",
    "Role",
    "SyncEngine",
    "parse_direction",
]
