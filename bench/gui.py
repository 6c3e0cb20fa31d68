"""What the desktop app costs at scale: start-up, stalls, search, memory.

    .venv/bin/python bench/gui.py [--contacts 100000] [--json FILE]

1. First sync of N contacts from a simulator in its own process (limits
   off, so Talk ingests as fast as it can), with the window shown while a
   10 ms timer measures how late the GUI thread gets to it (the stall), and
   the table is scrolled and the search box typed into meanwhile.
2. Type-to-search latency: 20 keystrokes into the search box over N
   contacts, each timed until the table has re-filtered and repainted.
3. Start-up: ``talkapp gui`` as a fresh process on the synced data
   directory, timed from spawn until the window lists every contact.
4. Peak memory (max RSS) of the process that ran 1 and 2, and of the store
   writer process its first sync started, alone and added together.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from talkapp.hubspot import HubSpotClient
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine
from talkapp.ui.context import UiContext
from talkapp.ui.main_window import MainWindow

TOKEN = "sim-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(contacts: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talkapp",
            "simulator",
            "--contacts",
            str(contacts),
            "--rate-limit",
            "0",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/_simulator/settings", timeout=1).raise_for_status()
            return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start")


class StallMeter:
    """A 10 ms timer; how late each tick fires is how long the GUI was busy."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last - 0.010)
        self._last = now


class ChildPeaks(threading.Thread):
    """The peak RSS (VmHWM) of each child process but ``skip``, read from
    /proc every 100 ms until ``stop()``: the store writer a first sync
    starts. (``RUSAGE_CHILDREN`` would not do: a child's peak there includes
    this process's memory, which it shared until it ran its own program.)
    Processes found not to be children are not read again, so a pass costs
    little more than listing /proc."""

    def __init__(self, skip: int) -> None:
        super().__init__(daemon=True)
        self.skip = skip
        self.peaks: dict[int, int] = {}
        self._others: set[int] = {skip}
        self._stopped = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._stopped.wait(0.1):
            for name in os.listdir("/proc"):
                if not name.isdigit() or int(name) in self._others:
                    continue
                pid = int(name)
                try:
                    with open(f"/proc/{pid}/stat", "rb") as stat:
                        ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
                    if ppid != me:
                        self._others.add(pid)
                        continue
                    with open(f"/proc/{pid}/status", "rb") as status:
                        lines = status.read().splitlines()
                except (OSError, ValueError):
                    continue
                for line in lines:
                    if line.startswith(b"VmHWM:"):
                        kb = int(line.split()[1])
                        self.peaks[pid] = max(kb, self.peaks.get(pid, 0))

    def stop(self) -> int:
        """The largest child's peak, in kB."""
        self._stopped.set()
        self.join()
        return max(self.peaks.values(), default=0)


async def first_sync_with_window(url: str, data: Path, contacts: int) -> dict:
    store = AsyncStore(data / "talk.sqlite3")
    engine = SyncEngine(
        store,
        client_factory=lambda u, t: HubSpotClient(
            u, t, rate_limit=None, search_rate_limit=None
        ),
    )
    ctx = UiContext(engine)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    view = window.contacts_view
    meter = StallMeter()
    meter.start()

    await engine.connect(url, TOKEN)
    started = time.perf_counter()
    sync = asyncio.ensure_future(engine.sync_once())
    letters = iter("ab" * 100)
    while not sync.done():
        # An agent scrolling and typing while the contacts arrive.
        bar = view.table.verticalScrollBar()
        bar.setValue((bar.value() + 40) % max(1, bar.maximum()))
        if int(time.perf_counter() * 4) % 8 == 0:
            view.search.setText(next(letters) if not view.search.text() else "")
        await asyncio.sleep(0.05)
    summary = sync.result()
    sync_seconds = time.perf_counter() - started
    view.search.clear()
    deadline = time.monotonic() + 30
    # The model fills from debounced events; polling it is what a user sees.
    while view.model.total() < contacts and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    meter.stop()

    keystrokes = await search_latency(view)
    gaps = sorted(meter.gaps)
    ctx.tasks.close()
    await ctx.tasks.wait_idle()
    ctx.events.detach()
    await engine.aclose()
    store.close()
    window.close()
    return {
        "first_sync_s": round(sync_seconds, 2),
        "first_sync_requests": summary.requests,
        "rows_listed": view.model.total(),
        "gui_stall_max_ms": round(gaps[-1] * 1000, 1),
        "gui_stall_p99_ms": round(gaps[int(len(gaps) * 0.99)] * 1000, 1),
        "search_keystroke_p50_ms": round(statistics.median(keystrokes) * 1000, 1),
        "search_keystroke_p95_ms": round(
            sorted(keystrokes)[int(len(keystrokes) * 0.95) - 1] * 1000, 1
        ),
    }


async def search_latency(view) -> list[float]:
    """Twenty keystrokes: type a name, erase it, type an email fragment."""
    view.search.setFocus()
    times = []
    for text in ("sofia", "\b" * 5, "example.o", "\b"):
        for char in text:
            started = time.perf_counter()
            if char == "\b":
                QTest.keyClick(view.search, "\b")
            else:
                QTest.keyClicks(view.search, char)
            view.table.viewport().repaint()
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)
    return times


def startup_time(data: Path, contacts: int) -> float:
    """Spawn ``talkapp gui`` and wait for the log line saying all are listed."""
    log = data / "logs" / "talk.log"
    before = log.read_text() if log.exists() else ""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talkapp",
            "--data-dir",
            str(data),
            "gui",
            "--no-simulator",
        ],
        env={**os.environ, "HUBSPOT_ACCESS_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        needle = f"{contacts} contacts shown"
        while time.monotonic() < deadline:
            if log.exists() and needle in log.read_text()[len(before) :]:
                return time.perf_counter() - started
            time.sleep(0.01)
        raise SystemExit("the app did not list the contacts in 60 s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    app = QApplication(["talkapp-bench"])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    simulator, url = start_simulator(args.contacts)
    data = Path(tempfile.mkdtemp(prefix="talk-bench-"))
    children = ChildPeaks(skip=simulator.pid)
    children.start()
    try:
        with loop:
            figures = loop.run_until_complete(
                first_sync_with_window(url, data, args.contacts)
            )
        figures["peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
        # The store writer (none below 5,000 contacts) runs beside the app,
        # so their peaks add up.
        writer_mb = children.stop() / 1024
        figures["store_writer_peak_rss_mb"] = round(writer_mb, 1)
        figures["peak_rss_with_writer_mb"] = round(
            figures["peak_rss_mb"] + writer_mb, 1
        )
        figures["startup_to_usable_s"] = round(startup_time(data, args.contacts), 2)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    figures["contacts"] = args.contacts
    for name, value in figures.items():
        print(f"{name:>26}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
