"""Talk → HubSpot, in two-way mode only: drain the outbox.

For each batch of queued changes, read the contacts' lead status with its
history first (one batch read per 50), so that a change made in HubSpot
after the agent's is never overwritten: the most recent change wins and a
tie goes to HubSpot. Then write the winners (one batch update per 100).
A value HubSpot refuses is marked rejected with HubSpot's message and not
retried; a transient failure keeps the change queued, with backoff, in the
database, so it survives a restart.
"""

from __future__ import annotations

import logging

from talkapp.hubspot import Contact as HubSpotContact
from talkapp.hubspot import (
    HubSpotClient,
    HubSpotError,
    RateLimitedError,
    UnavailableError,
)
from talkapp.store.async_store import AsyncStore
from talkapp.store.models import OutboxItem
from talkapp.store.sqlite import now_ms
from talkapp.sync.pull import Notify
from talkapp.sync.records import LEAD_STATUS, MODIFIED, modified, to_ms
from talkapp.sync.rules import resolve_push
from talkapp.sync.summary import SyncSummary

log = logging.getLogger("talkapp.sync.push")

BATCH = 100
RETRY_BASE_MS = 5_000
RETRY_MAX_MS = 600_000


async def push_outbox(
    client: HubSpotClient,
    store: AsyncStore,
    summary: SyncSummary,
    notify: Notify,
    *,
    retry_now: bool = False,
) -> None:
    """Push every due change; stops early (changes kept) if HubSpot is down."""
    # Each round settles its items (sent, lost, rejected or deferred), so a
    # round never sees the same item twice; the cut-off keeps it so.
    cutoff = now_ms()
    while True:
        due_by = cutoff + RETRY_MAX_MS * 2 if retry_now else now_ms()
        items = await store.due_outbox(due_by, BATCH, cutoff)
        if not items:
            return
        try:
            await _push_batch(client, store, items, summary)
        except (UnavailableError, RateLimitedError) as error:
            await _retry_later(store, items, error)
            notify([item.contact_id for item in items])
            raise
        notify([item.contact_id for item in items])


async def _push_batch(
    client: HubSpotClient,
    store: AsyncStore,
    items: list[OutboxItem],
    summary: SyncSummary,
) -> None:
    current = await client.batch_read(
        [item.hubspot_id for item in items],
        [LEAD_STATUS, MODIFIED],
        [LEAD_STATUS],
    )
    found = {contact.id: contact for contact in current.results}
    to_write: list[OutboxItem] = []
    replaced: dict[int, str | None] = {}  # HubSpot's value each write replaces
    for item in items:
        contact = found.get(item.hubspot_id)
        if contact is None:
            await store.push_rejected(
                item, "the contact no longer exists in HubSpot", now_ms()
            )
            summary.rejected += 1
            continue
        value = contact.properties.get(LEAD_STATUS) or None
        if value == item.value:
            await store.push_succeeded(item, modified(contact), now_ms())
            summary.pushed += 1
        elif resolve_push(item.queued_at, _status_changed_at(contact)):
            to_write.append(item)
            replaced[item.contact_id] = value
        else:
            changed_at = _status_changed_at(contact) or modified(contact)
            await store.push_lost(item, value, changed_at, now_ms())
            summary.conflicts += 1

    if not to_write:
        return
    result = await client.batch_update(
        [(item.hubspot_id, {LEAD_STATUS: item.value}) for item in to_write]
    )
    written = {contact.id: contact for contact in result.results}
    for item in to_write:
        error = result.error_for(item.hubspot_id)
        if item.hubspot_id in written:
            await store.push_succeeded(
                item,
                modified(written[item.hubspot_id]),
                now_ms(),
                replaced[item.contact_id],
            )
            summary.pushed += 1
        else:
            message = error.message if error else "HubSpot did not accept the change"
            await store.push_rejected(item, message, now_ms())
            summary.rejected += 1


def _status_changed_at(contact: HubSpotContact) -> int | None:
    """When HubSpot's lead status last changed (history is newest first)."""
    history = (contact.properties_with_history or {}).get(LEAD_STATUS) or []
    if not history:
        return None
    return max(to_ms(entry.timestamp) for entry in history)


async def _retry_later(
    store: AsyncStore, items: list[OutboxItem], error: HubSpotError
) -> None:
    now = now_ms()
    for item in items:
        delay = min(RETRY_BASE_MS * 2**item.attempts, RETRY_MAX_MS)
        await store.push_retry_later(item, now + delay, str(error))
    log.warning("HubSpot unavailable; %d changes stay queued: %s", len(items), error)
