"""HubSpot → Talk: the status list, then the contacts.

The first sync (and ``--full``) walks the list endpoint page by page, each
page applied with the list cursor in one transaction, so a killed sync
resumes where it stopped; a long walk's pages are parsed and written by a
store writer process (``writer.py``). Later syncs search on
``lastmodifieddate`` from the stored cursor, starting ``OVERLAP_MS`` early
because HubSpot's search index trails writes; seeing a contact twice is
harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from talkapp.hubspot import (
    Filter,
    FilterGroup,
    HubSpotClient,
    RawContactPage,
    SearchRequest,
    Sort,
)
from talkapp.hubspot.client import LIST_LIMIT
from talkapp.store.async_store import AsyncStore
from talkapp.store.sqlite import now_ms
from talkapp.sync.records import (
    LEAD_STATUS,
    MODIFIED,
    PROPERTIES,
    incoming,
    list_records,
    modified,
)
from talkapp.sync.rules import on_hubspot_record
from talkapp.sync.summary import SyncSummary
from talkapp.sync.writer import StoreWriter, StoreWriterError

log = logging.getLogger("talkapp.sync.pull")

OVERLAP_MS = 30_000
# Pages a first sync fetches ahead of the store (30 kB each): enough that a
# slow moment of the store's never holds the walk up (with 8, a 100k walk
# stood waiting 0.1-0.2 s in all).
READ_AHEAD_PAGES = 32
# The most pages written in one transaction, here or in one message to the
# store writer: what either process holds of the contacts at a time.
RUN_MAX_PAGES = 16
# The shortest list walk worth a store writer process (``writer.py``); a
# shorter one is over about as soon as the writer would have started.
WRITER_MIN_PAGES = 50
# Pages held for a store writer while it starts, and the fewest it is sent
# at once after that.
WRITER_HOLD_PAGES = 200
WRITER_RUN_PAGES = 4

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
    expected: int | None = None  # contacts, when HubSpot has said
    if resume:
        anchor = integration.full_sync_started
        log.info("resuming the full sync after contact cursor %s", after)
    else:
        # Changes made while the list is walked are caught by the first
        # search afterwards, which starts from HubSpot's newest timestamp now.
        anchor, expected = await _anchor(client)
        await store.start_full_sync(anchor)

    writes = _ListWrites(store, expected, anchor, _reporter(summary, notify))
    pages = client.iter_raw_contact_pages(list(PROPERTIES), after=after)
    try:
        async with contextlib.aclosing(read_ahead(pages)) as runs:
            async for run in runs:
                await writes.write(run)
    finally:
        await writes.aclose()


Report = Callable[[tuple[int, list[int]]], None]


def _reporter(summary: SyncSummary, notify: Notify) -> Report:
    """What a written run is reported as: counted, and its changes announced."""

    def report(written: tuple[int, list[int]]) -> None:
        pulled, changed = written
        summary.pulled += pulled
        summary.changed += len(changed)
        if changed:
            notify(changed)

    return report


async def _finish_then_report(write: Awaitable[T], report: Callable[[T], None]) -> T:
    """Await ``write`` to its end and ``report`` it, even if cancelled meanwhile.

    A sync stopped (by a reconnect, say) while a run is being written would
    otherwise leave that run in the store, its cursor moved, but never
    announced: the window would miss those contacts. So the write is
    finished and reported first; then the cancellation goes on.
    """
    task = asyncio.ensure_future(write)
    try:
        result = await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.cancelled():
            try:
                report(await task)
            except Exception as error:  # nothing written; the next sync redoes it
                log.warning("a stopped sync's last write failed: %s", error)
        raise
    report(result)
    return result


class _ListWrites:
    """Where a list walk's pages are parsed and written, each run of them
    with the cursor after its last page, in one transaction.

    A walk of at least ``WRITER_MIN_PAGES`` pages is written by a store
    writer process (``writer.py``), started as the walk starts (or, when a
    resumed walk's length is unknown, once it has gone that far). While the
    writer starts, pages are held for it, up to ``WRITER_HOLD_PAGES``, so
    the walk goes on at full speed; then it is sent runs of
    ``WRITER_RUN_PAGES`` to ``RUN_MAX_PAGES`` pages, the oldest first, one
    run per run the walk brings until it has caught up, so the walk never
    waits long on it. Shorter walks, and pages past the hold while the
    writer is still starting, are written here, on the store's worker
    thread. The walk's last page sends every page still held, waiting for a
    writer still starting. Pages are written in order, so a sync stopped at
    any point resumes after the last page written. A writer that cannot
    start is logged and the walk carries on here.
    """

    def __init__(
        self, store: AsyncStore, expected: int | None, anchor: int, report: Report
    ) -> None:
        self._store = store
        self._report = report
        self._path = store.sync.path
        self._anchor = anchor
        self._pages = 0
        self._held: list[RawContactPage] = []
        self._writer: StoreWriter | None = None
        self._handed_over = False
        # A store in memory cannot be shared with another process.
        self._may_start = self._path is not None and StoreWriter.supported()
        if expected is not None:
            if self._may_start and expected > WRITER_MIN_PAGES * LIST_LIMIT:
                self._start_writer()
            self._may_start = False

    def _start_writer(self) -> None:
        assert self._path is not None
        self._may_start = False
        self._writer = StoreWriter(self._path)

    async def write(self, pages: list[RawContactPage]) -> None:
        """Write ``pages``, or hold them for the writer; each run written is
        reported as (contacts written, ids of the contacts changed)."""
        self._pages += len(pages)
        self._held += pages
        more = pages[-1].after is not None
        if self._may_start and more and self._pages >= WRITER_MIN_PAGES:
            self._start_writer()
        writer = await self._started_writer(wait=not more)
        if more:
            if writer is not None:
                if len(self._held) >= WRITER_RUN_PAGES:
                    await self._write_run(writer)
                return
            if self._writer is not None and len(self._held) < WRITER_HOLD_PAGES:
                return  # held while the writer starts
        while self._held:
            await self._write_run(writer)

    async def _write_run(self, writer: StoreWriter | None) -> None:
        """Write the oldest pages held, up to ``RUN_MAX_PAGES``."""
        run, self._held = self._held[:RUN_MAX_PAGES], self._held[RUN_MAX_PAGES:]
        raw = [page.raw for page in run]
        progress = self._progress(run[-1].after)
        if writer is not None:
            written = writer.apply(raw, at=now_ms(), progress=progress)
        else:
            written = self._write_here(raw, progress)
        await _finish_then_report(written, self._report)

    async def _write_here(
        self, raw: list[bytes], progress: dict[str, Any]
    ) -> tuple[int, list[int]]:
        records = list_records(raw)
        changed = await self._store.apply_hubspot(
            records, on_hubspot_record, full=True, at=now_ms(), progress=progress
        )
        return len(records), changed

    def _progress(self, after: str | None) -> dict[str, Any]:
        """The cursors to store with the run that ends before ``after``."""
        if after is not None:
            return {"full_sync_after": after}
        return {
            "full_sync_after": None,
            "full_sync_started": None,
            "cursor_ms": self._anchor,
            "cursor_id": None,
        }

    async def _started_writer(self, *, wait: bool) -> StoreWriter | None:
        writer = self._writer
        if writer is None:
            return None
        try:
            if wait:
                await writer.wait_started()
            elif not writer.started():
                return None
        except StoreWriterError as error:
            log.warning("%s; this sync writes its contacts in this process", error)
            self._writer = None
            await writer.aclose()
            return None
        if not self._handed_over:
            self._handed_over = True
            log.info(
                "a store writer process (pid %s) writes this sync's contacts"
                " from page %d on",
                writer.pid,
                self._pages - len(self._held) + 1,
            )
        return writer

    async def aclose(self) -> None:
        if self._writer is not None:
            await self._writer.aclose()


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
    report = _reporter(summary, notify)
    pages = client.iter_search(
        groups, properties=list(PROPERTIES), sort_property=MODIFIED, keyset=True
    )
    async for page in pages:
        records = [incoming(contact) for contact in page.results]
        if not records:
            continue
        last = max(records, key=lambda r: (r.modified, int(r.hubspot_id)))
        newest = max(newest, last.modified)
        written = store.apply_hubspot(
            records,
            on_hubspot_record,
            full=False,
            at=now_ms(),
            progress={"cursor_ms": newest, "cursor_id": last.hubspot_id},
        )
        await _finish_then_report(_counted(len(records), written), report)


async def _counted(pulled: int, written: Awaitable[list[int]]) -> tuple[int, list[int]]:
    return pulled, await written


async def _anchor(client: HubSpotClient) -> tuple[int, int]:
    """HubSpot's newest ``lastmodifieddate`` (HubSpot's clock, not ours) and
    how many contacts there are."""
    page = await client.search(
        SearchRequest(
            sorts=[Sort(property_name=MODIFIED, direction="DESCENDING")],
            properties=[MODIFIED],
            limit=1,
        )
    )
    if not page.results:
        return 0, page.total
    return modified(page.results[0]), page.total
