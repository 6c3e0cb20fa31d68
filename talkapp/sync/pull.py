"""HubSpot → Talk: the status list, then the contacts.

The first sync (and ``--full``) walks the list endpoint page by page, each
page applied with the list cursor in one transaction, so a killed sync
resumes where it stopped. Later syncs search on ``lastmodifieddate`` from
the stored cursor, starting ``OVERLAP_MS`` early because HubSpot's search
index trails writes; seeing a contact twice is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Callable
from typing import TypeVar

from talkapp.hubspot import Contact as HubSpotContact
from talkapp.hubspot import (
    ContactRow,
    Filter,
    FilterGroup,
    HubSpotClient,
    SearchRequest,
    Sort,
)
from talkapp.store.async_store import AsyncStore
from talkapp.store.sqlite import now_ms
from talkapp.sync.rules import Incoming, on_hubspot_record
from talkapp.sync.summary import SyncSummary

log = logging.getLogger("talkapp.sync.pull")

LEAD_STATUS = "hs_lead_status"
MODIFIED = "lastmodifieddate"
PROPERTIES = ("firstname", "lastname", "email", "phone", LEAD_STATUS, MODIFIED)
OVERLAP_MS = 30_000
# Pages a first sync fetches ahead of the store, and so the most it writes
# in one transaction (800 contacts).
READ_AHEAD_PAGES = 8

Notify = Callable[[list[int]], None]
T = TypeVar("T")


async def pull_statuses(client: HubSpotClient, store: AsyncStore) -> list[str]:
    """Make HubSpot's lead-status options Talk's locked list; HubSpot sends no
    webhook when options change, so this runs every cycle."""
    prop = await client.get_property(LEAD_STATUS)
    options = [
        (option.value, option.label, option.display_order, option.hidden)
        for option in sorted(prop.options, key=lambda o: o.display_order)
    ]
    # displayOrder can repeat or be -1; Talk keeps HubSpot's order as positions.
    ranked = [
        (v, label, rank, hidden) for rank, (v, label, _, hidden) in enumerate(options)
    ]
    return await store.apply_status_options(ranked, now_ms())


async def pull_contacts(
    client: HubSpotClient,
    store: AsyncStore,
    summary: SyncSummary,
    notify: Notify,
    *,
    full: bool,
) -> None:
    integration = await store.integration()
    resuming = integration.full_sync_started is not None
    if full or resuming or integration.cursor_ms is None:
        summary.full = True
        await _list_all(client, store, summary, notify, resume=resuming and not full)
    else:
        await _search_changes(client, store, summary, notify, integration.cursor_ms)


async def _list_all(
    client: HubSpotClient,
    store: AsyncStore,
    summary: SyncSummary,
    notify: Notify,
    *,
    resume: bool,
) -> None:
    integration = await store.integration()
    after = integration.full_sync_after if resume else None
    if resume:
        anchor = integration.full_sync_started
        log.info("resuming the full sync after contact cursor %s", after)
    else:
        # Changes made while the list is walked are caught by the first
        # search afterwards, which starts from HubSpot's newest timestamp now.
        anchor = await _newest_modified(client)
        await store.start_full_sync(anchor)

    pages = client.iter_contact_rows(list(PROPERTIES), after=after)
    async with contextlib.aclosing(read_ahead(pages)) as runs:
        async for run in runs:
            records = [_incoming_row(row) for page in run for row in page.results]
            last = run[-1].after
            done = last is None
            progress = {"full_sync_after": last}
            if done:
                progress.update(
                    full_sync_after=None,
                    full_sync_started=None,
                    cursor_ms=anchor,
                    cursor_id=None,
                )
            changed = await store.apply_hubspot(
                records, on_hubspot_record, full=True, at=now_ms(), progress=progress
            )
            summary.pulled += len(records)
            summary.changed += len(changed)
            if changed:
                notify(changed)


async def read_ahead(
    pages: AsyncGenerator[T, None], depth: int = READ_AHEAD_PAGES
) -> AsyncGenerator[list[T], None]:
    """Yield ``pages`` in runs of those already fetched, while the next ones
    are being fetched.

    A first sync is a walk of a thousand pages: fetching ahead while the
    store writes keeps HubSpot and the disk busy at once. Each run is every
    page waiting when the consumer asks (at least one, at most ``depth``),
    so a consumer slower than HubSpot writes several pages per transaction
    and a faster one waits for no more than the next page. Pages come in
    order, so the cursor stored with a run names its last page. On an error
    the fetcher stops; the pages fetched before it still come, then the
    error is raised.
    """
    queue: asyncio.Queue[tuple[T | None, BaseException | None]] = asyncio.Queue(
        maxsize=depth
    )

    async def fetch() -> None:
        try:
            async with contextlib.aclosing(pages):
                async for page in pages:
                    await queue.put((page, None))
        except Exception as error:
            await queue.put((None, error))
            return
        await queue.put((None, None))

    fetcher = asyncio.ensure_future(fetch())
    try:
        while True:
            waiting = [await queue.get()]
            while not queue.empty():
                waiting.append(queue.get_nowait())
            run: list[T] = []
            for page, error in waiting:
                if page is None:
                    if run:
                        yield run
                    if error is not None:
                        raise error
                    return
                run.append(page)
            yield run
    finally:
        fetcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetcher


async def _search_changes(
    client: HubSpotClient,
    store: AsyncStore,
    summary: SyncSummary,
    notify: Notify,
    cursor_ms: int,
) -> None:
    since = max(0, cursor_ms - OVERLAP_MS)
    groups = [
        FilterGroup(
            filters=[Filter(property_name=MODIFIED, operator="GTE", value=str(since))]
        )
    ]
    newest = cursor_ms
    pages = client.iter_search(
        groups, properties=list(PROPERTIES), sort_property=MODIFIED, keyset=True
    )
    async for page in pages:
        records = [_incoming(contact) for contact in page.results]
        if not records:
            continue
        last = max(records, key=lambda r: (r.modified, int(r.hubspot_id)))
        newest = max(newest, last.modified)
        changed = await store.apply_hubspot(
            records,
            on_hubspot_record,
            full=False,
            at=now_ms(),
            progress={"cursor_ms": newest, "cursor_id": last.hubspot_id},
        )
        summary.pulled += len(records)
        summary.changed += len(changed)
        if changed:
            notify(changed)


async def _newest_modified(client: HubSpotClient) -> int:
    """HubSpot's newest ``lastmodifieddate`` (HubSpot's clock, not ours)."""
    page = await client.search(
        SearchRequest(
            sorts=[Sort(property_name=MODIFIED, direction="DESCENDING")],
            properties=[MODIFIED],
            limit=1,
        )
    )
    if not page.results:
        return 0
    return _modified(page.results[0])


def _incoming(contact: HubSpotContact) -> Incoming:
    props = contact.properties
    return Incoming(
        hubspot_id=contact.id,
        firstname=props.get("firstname") or "",
        lastname=props.get("lastname") or "",
        email=props.get("email") or "",
        phone=props.get("phone") or "",
        value=props.get(LEAD_STATUS) or None,
        modified=_modified(contact),
    )


def _incoming_row(row: ContactRow) -> Incoming:
    props = row["properties"]
    get = props.get
    return Incoming(
        hubspot_id=row["id"],
        firstname=get("firstname") or "",
        lastname=get("lastname") or "",
        email=get("email") or "",
        phone=get("phone") or "",
        value=get(LEAD_STATUS) or None,
        modified=_modified_ms(get(MODIFIED), row["updatedAt"]),
    )


def _modified(contact: HubSpotContact) -> int:
    return _modified_ms(contact.properties.get(MODIFIED), contact.updated_at)


def _modified_ms(raw: str | None, updated_at: dt.datetime) -> int:
    """``lastmodifieddate`` in epoch ms; HubSpot sends ms or ISO-8601, and
    the record's ``updatedAt`` stands in when the property is missing."""
    if raw:
        try:
            return int(raw)
        except ValueError:
            try:
                parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
                return int(parsed.timestamp() * 1000)
            except ValueError:
                pass
    return int(updated_at.timestamp() * 1000)


def to_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)
