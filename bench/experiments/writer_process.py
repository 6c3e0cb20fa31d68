"""Experiment, not product code: a first sync whose store writes run in
another process, against the bare httpx walk (benchmark item 1).

    .venv/bin/python bench/experiments/writer_process.py [--contacts 100000]

In Talk the list walk (HTTP, on the event loop's thread) and the store
(SQLite, on its worker thread) share one interpreter and so one GIL; on two
cores shared with the simulator that contention, not the work itself, is
most of what separates Talk's first sync from the bare walk. Here the walk
only fetches pages and reads each page's cursor, and a writer process
parses the pages and applies them with the store's own ``apply_hubspot``.
It measures how close that split gets; errors, cancellation, progress
notices and a frozen app are left out.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NotRequired

import pydantic
from typing_extensions import TypedDict

sys.path.insert(0, str(Path(__file__).parents[1]))

from sync import TOKEN, Simulator, bare_walk

from talkapp.hubspot import HubSpotClient
from talkapp.hubspot.client import CONTACTS, LIST_LIMIT
from talkapp.hubspot.models import _Paging, parsed_contact_rows
from talkapp.store.sqlite import SQLiteStore
from talkapp.sync import pull
from talkapp.sync.rules import on_hubspot_record


class _CursorOnly(TypedDict):
    paging: NotRequired[_Paging]


CURSOR = pydantic.TypeAdapter(_CursorOnly)


def write_pages(inbox: Connection, path: str) -> None:
    """The writer process: parse each run of pages and apply it."""
    store = SQLiteStore(path)
    inbox.send("ready")
    while (run := inbox.recv()) is not None:
        records = [
            pull._incoming_row(row)
            for raw in run
            for row in parsed_contact_rows(raw).results
        ]
        store.apply_hubspot(records, on_hubspot_record, full=True, at=0)
    store.close()
    inbox.send("done")


async def split_sync(url: str, data: Path, run_pages: int = 4) -> float:
    path = data / "talk.sqlite3"
    SQLiteStore(path).close()
    ours, theirs = multiprocessing.Pipe()
    writer = multiprocessing.get_context("spawn").Process(
        target=write_pages, args=(theirs, str(path))
    )
    writer.start()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, ours.recv)  # started, store open

    started = time.perf_counter()
    async with HubSpotClient(url, TOKEN, rate_limit=None) as client:
        after: str | None = None
        run: list[bytes] = []
        while True:
            params = {"limit": str(LIST_LIMIT), "properties": list(pull.PROPERTIES)}
            if after:
                params["after"] = after
            raw = await client._call(
                "GET", CONTACTS, kind="list", params=params, decode=bytes
            )
            paging = CURSOR.validate_json(raw).get("paging", {})
            after = paging.get("next", {}).get("after")
            run.append(raw)
            if len(run) == run_pages or after is None:
                ours.send(run)
                run = []
            if after is None:
                break
    ours.send(None)
    await loop.run_in_executor(None, ours.recv)  # every page written
    seconds = time.perf_counter() - started
    writer.join()
    return seconds


async def main(contacts: int, rounds: int) -> None:
    simulator = Simulator(contacts, rate_limit=0)
    split: list[float] = []
    bare: list[float] = []
    try:
        await bare_walk(simulator.url)  # warm-up
        for _ in range(rounds):
            bare.append((await bare_walk(simulator.url))[0])
            with tempfile.TemporaryDirectory() as data:
                split.append(await split_sync(simulator.url, Path(data)))
    finally:
        simulator.close()
    print(f"bare walk   {[round(s, 2) for s in bare]}")
    print(f"split sync  {[round(s, 2) for s in split]}")
    print(f"ratio of medians {statistics.median(split) / statistics.median(bare):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.contacts, args.rounds))
