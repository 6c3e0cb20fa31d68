"""Regenerate the README's screenshots from the real app (``make screenshots``).

Runs Talk offscreen on its built-in simulator in a throw-away data
directory, does what an agent and a supervisor would, and saves the agent
view, the statuses view and the HubSpot panel as PNGs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from talkapp.store.models import Direction
from talkapp.ui.app import Session


async def until(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("the app did not get there in time")
        await asyncio.sleep(0.05)


async def shoot(out: Path) -> None:
    data = Path(tempfile.mkdtemp(prefix="talk-shots-"))
    session = Session(data, simulator_contacts=300)
    window = session.window
    window.resize(1280, 760)
    window.show()
    await session.start()
    view = window.contacts_view
    await until(lambda: view.loaded and view.model.total() == 300)

    # An agent's morning: one contact changed in Talk only, one sent to HubSpot.
    engine = session.engine
    first, second = view.model.contact(2), view.model.contact(5)
    await engine.set_disposition(first.id, "CONNECTED")
    await engine.set_direction(Direction.TWO_WAY)
    await engine.set_disposition(second.id, "OPEN_DEAL")
    await engine.sync_once()
    await engine.set_direction(Direction.HUBSPOT_TO_TALK)
    await until(lambda: view.model.contact(5).disposition == "OPEN_DEAL")
    view.table.setFocus()
    view.table.selectRow(5)
    await until(lambda: view.panel.history.rowCount() >= 2)
    await asyncio.sleep(0.3)
    window.grab().save(str(out / "agent-view.png"))

    window.show_view(1)
    await until(lambda: window.statuses_view.model.rowCount() > 0)
    await asyncio.sleep(0.5)
    window.grab().save(str(out / "statuses-view.png"))

    window.show_view(2)
    await asyncio.sleep(0.8)
    window.grab().save(str(out / "hubspot-panel.png"))
    window.close()
    await session.stop()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(["talkapp"])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(out))
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
