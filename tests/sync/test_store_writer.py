"""A long first sync writes through a store writer process (``sync/writer.py``).

What a user would notice if the split went wrong: a contact missing,
doubled or different from HubSpot's; a change not announced to the window;
a cursor that does not match the data, so a resumed sync skips or repeats;
a process left running; an error that is a traceback instead of a line; an
agent's change refused because the database was busy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from sync_helpers import (
    CONTACTS,
    ListPages,
    Recorder,
    assert_copied,
    assert_written_up_to_the_cursor,
    gone,
    has_at_least,
    other_value,
    until,
)

from talkapp.hubspot import HubSpotError
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig
from talkapp.simulator.portal import Portal
from talkapp.store.sqlite import SQLiteStore
from talkapp.sync import pull, writer
from talkapp.sync.engine import SyncEngine
from talkapp.sync.writer import StoreWriter, StoreWriterError

N = 1_000  # ten list pages


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(token=DEFAULT_TOKEN, contacts=N, seed=3, rate_limit=0)


async def test_a_long_first_sync_is_written_by_a_writer_process(
    talk: SyncEngine,
    portal: Portal,
    writers: list[StoreWriter],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="talkapp.sync.pull")
    monkeypatch.setattr(pull, "RUN_MAX_PAGES", 3)
    recorder = Recorder()
    talk.observers.subscribe(recorder)

    summary = await talk.sync_once()

    assert len(writers) == 1
    # Every page went to the writer, never more than 3 in one message.
    assert sum(writers[0].runs) == N // 100
    assert max(writers[0].runs) <= 3
    assert "a store writer process" in caplog.text
    assert (summary.pulled, summary.changed) == (N, N)
    contacts = await talk.contacts()
    assert_copied(contacts, portal)
    told = [i for (ids,) in recorder.named("contacts_changed") for i in ids]
    assert sorted(told) == [c.id for c in contacts]
    integration = await talk.integration()
    assert integration.full_sync_after is None
    assert integration.full_sync_started is None
    assert integration.cursor_ms is not None
    await until(lambda: gone(writers[0].pid))


async def test_a_first_sync_too_short_for_a_writer_starts_none(
    talk: SyncEngine,
    portal: Portal,
    writers: list[StoreWriter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pull, "WRITER_MIN_PAGES", 11)

    await talk.sync_once()

    assert writers == []
    assert_copied(await talk.contacts(), portal)


async def test_a_broken_page_fails_the_sync_in_one_line_and_the_next_resumes(
    talk: SyncEngine,
    portal: Portal,
    pages: ListPages,
    writers: list[StoreWriter],
    one_run_per_page: None,
) -> None:
    async def some_written() -> None:
        await until(lambda: has_at_least(talk, 200))

    pages.before[601] = some_written
    pages.broken = {601}

    with pytest.raises(HubSpotError) as caught:
        await talk.sync_once()

    message = str(caught.value)
    assert "unexpected contact list page" in message
    assert "\n" not in message
    assert (await talk.integration()).last_error == message
    assert 200 <= await assert_written_up_to_the_cursor(talk, portal) <= 600
    await until(lambda: gone(writers[0].pid))

    # HubSpot sends the page whole again: the sync resumes at the cursor, and
    # the resumed walk (its length unknown) starts a writer 3 pages in.
    async def second_writer() -> None:
        await until(lambda: len(writers) == 2)

    pages.broken = set()
    pages.before = {901: second_writer}
    await talk.sync_once()

    assert len(writers) == 2
    assert_copied(await talk.contacts(), portal)
    await until(lambda: gone(writers[1].pid))


async def test_a_writer_killed_mid_sync_fails_it_and_the_next_sync_resumes(
    talk: SyncEngine,
    portal: Portal,
    pages: ListPages,
    writers: list[StoreWriter],
    one_run_per_page: None,
) -> None:
    async def kill_writer() -> None:
        os.kill(writers[0].pid or 0, signal.SIGKILL)

    pages.before[401] = kill_writer

    with pytest.raises(StoreWriterError, match="stopped unexpectedly") as caught:
        await talk.sync_once()

    assert "\n" not in str(caught.value)
    assert (await talk.integration()).last_error == str(caught.value)
    assert await assert_written_up_to_the_cursor(talk, portal) < N

    pages.before = {}
    await talk.sync_once()

    assert_copied(await talk.contacts(), portal)


async def test_cancelling_a_sync_stops_its_writer_once_its_run_is_written(
    talk: SyncEngine,
    portal: Portal,
    pages: ListPages,
    writers: list[StoreWriter],
    one_run_per_page: None,
) -> None:
    never = asyncio.Event()

    pages.before[401] = never.wait
    sync = asyncio.ensure_future(talk.sync_once())
    await until(lambda: pages.served == 4)
    await until(lambda: has_at_least(talk, 400))

    sync.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sync

    await until(lambda: gone(writers[0].pid))
    assert await assert_written_up_to_the_cursor(talk, portal) == 400
    pages.before = {}
    await talk.sync_once()
    assert_copied(await talk.contacts(), portal)


async def test_agents_set_dispositions_while_the_writer_writes(
    talk: SyncEngine,
    pages: ListPages,
    writers: list[StoreWriter],
    one_run_per_page: None,
) -> None:
    chosen: dict[int, str] = {}
    agents: list[asyncio.Future[None]] = []

    async def agents_busy() -> None:
        await until(lambda: has_at_least(talk, 200))
        # Contacts the writer has written; it goes on while agents write.
        for contact in (await talk.contacts())[:60]:
            value = other_value(contact.disposition)
            await talk.set_disposition(contact.id, value)
            chosen[contact.id] = value

    async def agents_start() -> None:
        agents.append(asyncio.ensure_future(agents_busy()))

    async def agents_halfway() -> None:
        await until(lambda: len(chosen) >= 30)

    pages.before.update({401: agents_start, 601: agents_halfway})
    summary = await talk.sync_once()
    await agents[0]

    assert summary.pulled == N
    assert len(chosen) == 60
    for contact_id, value in chosen.items():
        contact = await talk.contact(contact_id)
        assert contact is not None
        assert contact.disposition == value


async def test_a_writer_that_cannot_start_leaves_the_sync_to_this_process(
    talk: SyncEngine,
    portal: Portal,
    writers: list[StoreWriter],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(
        writer, "_command", lambda: [sys.executable, "-c", "raise SystemExit(3)"]
    )

    summary = await talk.sync_once()

    assert summary.pulled == N
    assert_copied(await talk.contacts(), portal)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "the store writer did not start: the store writer stopped unexpectedly"
        " (exit 3); this sync writes its contacts in this process"
    ]


async def test_the_writers_errors_arrive_as_themselves_and_it_goes_on(
    tmp_path: Path, sim_http: httpx.AsyncClient
) -> None:
    path = tmp_path / "talk.sqlite3"
    SQLiteStore(path).close()
    page = (await sim_http.get(CONTACTS, params={"limit": 100})).content
    store_writer = StoreWriter(path)
    await store_writer.wait_started()

    with pytest.raises(HubSpotError, match="unexpected contact list page"):
        await store_writer.apply([b"<html>proxy"], at=0, progress={})
    written, changed = await store_writer.apply([page], at=0, progress={})
    await store_writer.aclose()

    assert written == 100
    store = SQLiteStore(path)
    assert sorted(changed) == [c.id for c in store.contacts()]
    store.close()
    await until(lambda: gone(store_writer.pid))


def writers_running() -> list[int]:
    """Store writer processes of this test process that have not exited."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(ppid) == os.getpid() and state != "Z" and b"sync.writer" in command:
            running.append(int(stat.parent.name))
    return running


async def test_a_writer_closed_while_it_starts_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    path = tmp_path / "talk.sqlite3"
    SQLiteStore(path).close()

    await StoreWriter(path).aclose()
    started = StoreWriter(path)
    await started.wait_started()
    await started.aclose()

    await until(lambda: not writers_running())
