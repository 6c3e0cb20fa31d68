"""From a change in (simulated) HubSpot to the agent's contact table.

    .venv/bin/python bench/webhook_latency.py [--changes 100] [--contacts 300]

Each change is made the way the HubSpot window makes it (the simulator's
QA import, ``changeSource`` CRM_UI); the clock stops when the contact table
shows the new value. Polling is off, so this is the webhook path alone:
simulator → signed webhook → receiver → engine → store → table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import qasync
from PySide6.QtWidgets import QApplication

from talkapp.hubspot import HubSpotClient
from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.properties import DEFAULT_OPTIONS
from talkapp.simulator.server import LoopbackServer
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine
from talkapp.sync.webhooks import WebhookReceiver
from talkapp.ui.contacts_view import ContactsView
from talkapp.ui.context import UiContext

VALUES = [value for _, value in DEFAULT_OPTIONS]


async def measure(changes: int, contacts: int, pause: float) -> list[float]:
    app = create_app(SimulatorConfig(contacts=contacts, rate_limit=0))
    server = LoopbackServer(app)
    await asyncio.to_thread(server.start)
    store = AsyncStore(Path(tempfile.mkdtemp()) / "talk.sqlite3")
    engine = SyncEngine(store, client_factory=lambda u, t: HubSpotClient(u, t))
    await engine.connect(server.url, DEFAULT_TOKEN)
    await engine.sync_once()

    secret = secrets.token_urlsafe(16)
    receiver = WebhookReceiver(
        secret, engine.apply_webhook_events, asyncio.get_running_loop()
    )
    await asyncio.to_thread(receiver.start)
    app.state.simulator.set_webhook(receiver.url, secret)

    ctx = UiContext(engine)
    view = ContactsView(ctx)
    view.show()
    while not view.loaded:
        await asyncio.sleep(0.01)

    latencies = []
    async with httpx.AsyncClient(base_url=server.url) as qa:
        for n in range(changes):
            row = n % view.model.rowCount()
            contact = view.model.contact(row)
            value = next(
                v for v in VALUES[n % 8 :] + VALUES if v != contact.disposition
            )
            started = time.perf_counter()
            response = await qa.post(
                "/_simulator/import",
                json={
                    "inputs": [
                        {
                            "id": contact.hubspot_id,
                            "properties": {"hs_lead_status": value},
                        }
                    ],
                    "changeSource": "CRM_UI",
                },
            )
            response.raise_for_status()
            while view.model.contact(row).disposition != value:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(pause)

    ctx.tasks.close()
    await ctx.tasks.wait_idle()
    ctx.events.detach()
    view.close()
    await asyncio.to_thread(receiver.stop)
    await engine.aclose()
    store.close()
    await asyncio.to_thread(server.stop)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--pause-ms",
        type=int,
        default=0,
        help="between changes; 0 sends the next as soon as the last shows",
    )
    args = parser.parse_args()
    app = QApplication(["talkapp-bench"])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        latencies = loop.run_until_complete(
            measure(args.changes, args.contacts, args.pause_ms / 1000)
        )
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    figures = {
        "changes": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
