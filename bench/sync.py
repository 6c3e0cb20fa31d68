"""What syncing costs, against the limits (items 1-4 of the benchmark issue).

    .venv/bin/python bench/sync.py [--contacts 100000] [--limited 20000]
        [--changes 100] [--pushes 10000] [--rounds 5] [--json FILE]

The simulator runs in its own process (``talkapp simulator``), so Talk and
HubSpot do not share one interpreter, as in life.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from talkapp.hubspot import HubSpotClient
from talkapp.store.async_store import AsyncStore
from talkapp.store.models import Direction
from talkapp.sync.engine import SyncEngine

TOKEN = "sim-token"
LIST = "/crm/v3/objects/contacts"
PROPERTIES = "firstname,lastname,email,phone,hs_lead_status,lastmodifieddate"


class Simulator:
    """``talkapp simulator`` in a child process, plus its QA API."""

    def __init__(self, contacts: int, rate_limit: int) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "talkapp",
                "simulator",
                "--contacts",
                str(contacts),
                "--rate-limit",
                str(rate_limit),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.close()
        raise SystemExit("the simulator did not start")

    def stats(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/_simulator/stats", timeout=5)
        response.raise_for_status()
        return response.json()

    def import_changes(self, ids: list[str], value: str) -> None:
        inputs = [{"id": i, "properties": {"hs_lead_status": value}} for i in ids]
        response = httpx.post(
            f"{self.url}/_simulator/import",
            json={"inputs": inputs, "changeSource": "CRM_UI"},
            timeout=60,
        )
        response.raise_for_status()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def engine_for(data: Path, rate_limit: int | None) -> tuple[SyncEngine, AsyncStore]:
    store = AsyncStore(data / "talk.sqlite3")
    engine = SyncEngine(
        store,
        client_factory=lambda url, token: HubSpotClient(
            url, token, rate_limit=rate_limit, search_rate_limit=5
        ),
    )
    return engine, store


async def bare_walk(url: str) -> tuple[float, int]:
    """The floor: fetch the same pages with httpx and throw them away."""
    started = time.perf_counter()
    pages = 0
    after = None
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    ) as client:
        while True:
            params = {"limit": "100", "properties": PROPERTIES}
            if after:
                params["after"] = after
            body = (await client.get(LIST, params=params)).json()
            pages += 1
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                return time.perf_counter() - started, pages


class CpuClock:
    """CPU seconds used by this process (Talk, all its threads), by the store
    writer processes it has started and reaped, and by the simulator, since
    ``start()``; the simulator's only where /proc exists. (The simulator is
    a child too, but it is reaped only at the end, so the children's count
    is the writers'.)"""

    def __init__(self, simulator: Simulator) -> None:
        self.stat = Path(f"/proc/{simulator.process.pid}/stat")

    def _simulator_s(self) -> float | None:
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self.talk = time.process_time()
        self.writers = _children_cpu_s()
        self.simulator = self._simulator_s()

    def read(self, writer_pids: list[int]) -> dict[str, float | None]:
        """The CPU used since ``start()``, once ``writer_pids`` are reaped."""
        talk = time.process_time() - self.talk
        now = self._simulator_s()
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in writer_pids):
            if time.monotonic() > deadline:
                raise SystemExit(f"store writers {writer_pids} were not reaped")
            time.sleep(0.01)
        used = None if now is None or self.simulator is None else now - self.simulator
        return {
            "talk_cpu_s": round(talk, 2),
            "store_writer_cpu_s": round(_children_cpu_s() - self.writers, 2),
            "simulator_cpu_s": None if used is None else round(used, 2),
        }


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Said(logging.Handler):
    """Every line a logger says while attached (``with Said(name) as said``)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.INFO)
        self.logger = logging.getLogger(name)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def __enter__(self) -> Said:
        self.logger.addHandler(self)
        self.logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.logger.removeHandler(self)


async def first_sync(contacts: int, rounds: int) -> dict[str, Any]:
    """Talk's first sync against a bare httpx walk of the same pages.

    Both run ``rounds`` times, taking turns on one simulator after a warm-up
    walk, so a slow spell of a shared machine falls on both; the medians are
    compared, and every run is kept with the CPU time each process used.
    """
    simulator = Simulator(contacts, rate_limit=0)
    clock = CpuClock(simulator)
    bare: list[dict[str, Any]] = []
    talk: list[dict[str, Any]] = []
    try:
        await bare_walk(simulator.url)  # a simulator's first walk is slower
        for _ in range(rounds):
            clock.start()
            seconds, _ = await bare_walk(simulator.url)
            bare.append({"seconds": round(seconds, 2), **clock.read([])})
            with tempfile.TemporaryDirectory() as data:
                engine, store = engine_for(Path(data), rate_limit=None)
                await engine.connect(simulator.url, TOKEN)
                clock.start()
                with Said("talkapp.sync.pull") as said:
                    summary = await engine.sync_once()
                writers = [
                    int(found[1])
                    for line in said.lines
                    if (found := re.search(r"store writer process \(pid (\d+)\)", line))
                ]
                talk.append(
                    {
                        "seconds": round(summary.seconds, 2),
                        "store_writer": bool(writers),
                        **clock.read(writers),
                    }
                )
                await engine.aclose()
                store.close()
    finally:
        simulator.close()
    talk_s = statistics.median(run["seconds"] for run in talk)
    bare_s = statistics.median(run["seconds"] for run in bare)
    return {
        "contacts": contacts,
        "requests": summary.requests,
        "requests_floor": math.ceil(contacts / 100) + 1,
        "seconds": talk_s,
        "bare_loop_seconds": bare_s,
        "time_ratio": round(talk_s / bare_s, 2),
        # Each Talk run against the bare walk just before it, which a slow
        # spell of a shared machine is likelier to have hit too.
        "paired_time_ratio": round(
            statistics.median(
                t["seconds"] / b["seconds"] for t, b in zip(talk, bare, strict=True)
            ),
            2,
        ),
        "store_writer": all(run["store_writer"] for run in talk),
        "rounds": {"talk": talk, "bare_loop": bare},
    }


async def limited_sync(contacts: int) -> dict[str, Any]:
    simulator = Simulator(contacts, rate_limit=100)
    data = tempfile.TemporaryDirectory()
    try:
        engine, store = engine_for(Path(data.name), rate_limit=100)
        await engine.connect(simulator.url, TOKEN)
        summary = await engine.sync_once()
        stats = simulator.stats()
        await engine.aclose()
        store.close()
    finally:
        simulator.close()
        data.cleanup()
    # A rolling window of 100 per 10 s lets 100 requests go at once and the
    # next 100 only when the first have aged out: n requests cannot finish
    # before (ceil(n / 100) - 1) windows have passed. The connect's two
    # requests share the window.
    in_window = summary.requests + 2
    floor_seconds = (math.ceil(in_window / 100) - 1) * 10.0
    return {
        "contacts": contacts,
        "requests": summary.requests,
        "seconds": round(summary.seconds, 2),
        "floor_seconds": round(floor_seconds, 2),
        "allowed_rate_used": round(floor_seconds / summary.seconds, 3)
        if summary.seconds
        else None,
        "http_429s": stats["requests"].get("429", 0),
    }


async def incremental_and_push(contacts: int, changes: int, pushes: int) -> dict:
    simulator = Simulator(contacts, rate_limit=0)
    data = tempfile.TemporaryDirectory()
    try:
        engine, store = engine_for(Path(data.name), rate_limit=None)
        await engine.connect(simulator.url, TOKEN)
        await engine.sync_once()
        await engine.sync_once()  # settle: the overlap window re-reads nothing new

        ids = [str(i) for i in range(1, changes + 1)]
        simulator.import_changes(ids, "BAD_TIMING")
        incremental = await engine.sync_once()

        await engine.set_direction(Direction.TWO_WAY)
        contacts_list = await engine.contacts(limit=pushes)
        for contact in contacts_list:
            value = "OPEN_DEAL" if contact.disposition != "OPEN_DEAL" else "NEW"
            await store.set_disposition(
                contact.id, value, Direction.TWO_WAY, True, int(time.time() * 1000)
            )
        before = simulator.stats()["requests"]
        push = await engine.sync_once()
        after = simulator.stats()["requests"]
        await engine.aclose()
        store.close()
    finally:
        simulator.close()
        data.cleanup()
    writes = after.get("batch_update", 0) - before.get("batch_update", 0)
    reads = after.get("batch_read", 0) - before.get("batch_read", 0)
    return {
        "incremental": {
            "changes": changes,
            "requests": incremental.requests,
            "seconds": round(incremental.seconds, 3),
        },
        "push": {
            "changes": pushes,
            "pushed": push.pushed,
            "batch_updates": writes,
            "batch_updates_floor": math.ceil(pushes / 100),
            "batch_reads": reads,
            "batch_reads_floor": math.ceil(pushes / 50),
            "requests": push.requests,
            "seconds": round(push.seconds, 2),
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "first_sync": await first_sync(args.contacts, args.rounds),
        "rate_limited_first_sync": await limited_sync(args.limited),
        **await incremental_and_push(args.contacts, args.changes, args.pushes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--limited", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
