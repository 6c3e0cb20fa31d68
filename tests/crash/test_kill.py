"""Kill a real ``talkapp sync`` process mid-way; the restart loses nothing.

Each page of contacts is applied together with its cursor, and each agent
change together with its outbox row, so SIGKILL at any moment leaves a
database the next run can finish from.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from talkapp.simulator import SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer
from talkapp.store.models import Direction
from talkapp.store.sqlite import SQLiteStore

TOKEN = "sim-token"

pytestmark = [pytest.mark.loopback, pytest.mark.slow]


def talkapp(data: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": TOKEN}
    return subprocess.Popen(
        [sys.executable, "-m", "talkapp", "--data-dir", str(data), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def query(data: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data / "talk.sqlite3", timeout=5) as db:
        return db.execute(sql).fetchall()


def wait_until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def killed(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process, which must still be running."""
    assert process.poll() is None, "the sync finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


def killed_when(process: subprocess.Popen[str], predicate) -> None:
    """SIGKILL the process as soon as ``predicate`` holds."""
    wait_until(predicate)
    killed(process)


def contact_count(data: Path) -> int:
    try:
        return query(data, "SELECT COUNT(*) FROM contacts")[0][0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def processes_under(pid: int) -> list[int]:
    """The live child processes of ``pid`` (zombies are not alive)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(ppid) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# 3,000 contacts are written by the sync's own process; 6,000 (60 pages) by
# the store writer process it starts, which must not outlive it.
@pytest.mark.parametrize("contacts", [3000, 6000])
def test_killed_first_sync_resumes_without_loss_or_duplicates(
    tmp_path: Path, contacts: int
) -> None:
    app = create_app(
        SimulatorConfig(token=TOKEN, contacts=contacts, rate_limit=0, latency_ms=25)
    )
    simulator = app.state.simulator
    with LoopbackServer(app) as server:
        finish(talkapp(tmp_path, "connect", "--hubspot-url", server.url))

        sync = talkapp(tmp_path, "sync")
        wait_until(lambda: contact_count(tmp_path) >= 600)
        writers = processes_under(sync.pid)
        assert len(writers) == (1 if contacts > 5000 else 0)
        killed(sync)
        partial = contact_count(tmp_path)
        assert partial < contacts
        for writer in writers:
            wait_until(lambda: not alive(writer))  # noqa: B023
        resume_from = query(tmp_path, "SELECT full_sync_after FROM integration")[0][0]
        assert resume_from is not None

        pages_before = simulator.requests["list"]
        finish(talkapp(tmp_path, "sync"))
        pages_after = simulator.requests["list"] - pages_before

    assert contact_count(tmp_path) == contacts
    distinct = query(tmp_path, "SELECT COUNT(DISTINCT hubspot_id) FROM contacts")
    assert distinct[0][0] == contacts
    # It resumed at the stored cursor instead of starting over.
    remaining_pages = -(-(contacts - partial) // 100)
    assert pages_after <= remaining_pages + 1
    state = query(tmp_path, "SELECT full_sync_after, cursor_ms FROM integration")[0]
    assert state[0] is None
    assert state[1] is not None


def test_killed_push_restarts_and_sends_each_change_once(tmp_path: Path) -> None:
    app = create_app(SimulatorConfig(token=TOKEN, contacts=600, rate_limit=0))
    portal = app.state.portal
    simulator = app.state.simulator
    with LoopbackServer(app) as server:
        finish(talkapp(tmp_path, "connect", "--hubspot-url", server.url))
        finish(talkapp(tmp_path, "sync"))
        finish(talkapp(tmp_path, "direction", "two-way"))

        store = SQLiteStore(tmp_path / "talk.sqlite3")
        try:
            wanted = {}
            for contact in store.contacts():
                value = "UNQUALIFIED" if contact.disposition != "UNQUALIFIED" else "NEW"
                store.set_disposition(
                    contact.id, value, Direction.TWO_WAY, True, int(time.time() * 1000)
                )
                wanted[contact.hubspot_id] = value
        finally:
            store.close()

        # Slow HubSpot down so the kill lands between batches of the push.
        simulator.settings = simulator.settings.patched({"latency_ms": 150})
        simulator.apply_settings()
        sync = talkapp(tmp_path, "sync")
        killed_when(sync, lambda: simulator.requests["batch_update"] > 0)
        assert query(tmp_path, "SELECT COUNT(*) FROM outbox")[0][0] > 0

        simulator.settings = simulator.settings.patched({"latency_ms": 0})
        simulator.apply_settings()
        finish(talkapp(tmp_path, "sync"))

    assert query(tmp_path, "SELECT COUNT(*) FROM outbox")[0][0] == 0
    for hubspot_id, value in wanted.items():
        assert portal.get(hubspot_id).properties["hs_lead_status"] == value
    pushed = query(
        tmp_path,
        "SELECT contact_id, COUNT(*) FROM history WHERE event = 'pushed'"
        " GROUP BY contact_id",
    )
    assert len(pushed) == len(wanted)
    assert all(count == 1 for _, count in pushed)
    states = query(tmp_path, "SELECT DISTINCT sync_state FROM contacts")
    assert states == [("synced",)]
