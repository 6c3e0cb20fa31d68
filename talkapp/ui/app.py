"""Start the desktop app: Qt, the qasync loop, the store, the engine, the window.

On a first run it starts the built-in HubSpot simulator, connects to it
(direction HubSpot → Talk) and syncs, so a newcomer sees the locked list in
seconds. A real portal is one dialog away, in the HubSpot tab.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
import time
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from talkapp import __version__, logs, paths, preferences
from talkapp.hubspot import HubSpotClient
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine
from talkapp.sync.webhooks import WebhookReceiver
from talkapp.ui.context import UiContext
from talkapp.ui.icons import icon
from talkapp.ui.main_window import MainWindow
from talkapp.ui.memory import MainThreadCollector
from talkapp.ui.simulator import BuiltInSimulator

log = logging.getLogger("talkapp.ui")

SETTINGS_URL_KEY = "simulator/url"


class Session:
    """Everything one run of the app holds, and the order it starts and stops."""

    def __init__(
        self,
        data_dir: Path,
        *,
        simulator_contacts: int | None = 300,
        simulator_rate_limit: int = 100,
        settings: QSettings | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.preferences = preferences.load(data_dir)
        self.store = AsyncStore(paths.database(data_dir))
        self.engine = SyncEngine(
            self.store, client_factory=self._client_for, preferences=self.preferences
        )
        self.simulator = (
            BuiltInSimulator(
                data_dir, contacts=simulator_contacts, rate_limit=simulator_rate_limit
            )
            if simulator_contacts is not None
            else None
        )
        self.ctx = UiContext(self.engine, simulator=self.simulator)
        self.settings = settings or QSettings(
            str(data_dir / "ui-state.ini"), QSettings.Format.IniFormat
        )
        self.window = MainWindow(self.ctx, log_folder=str(data_dir / "logs"))
        self.window.restore_state(self.settings)
        self.receiver: WebhookReceiver | None = None
        self._stop = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    def _client_for(self, url: str, token: str) -> HubSpotClient:
        """Pace a client to the built-in simulator's own limit, if it has one."""
        simulator = self.simulator
        if simulator is not None and simulator.server and url == simulator.url:
            limit = simulator.config.rate_limit
            return HubSpotClient(url, token, rate_limit=limit or None)
        return HubSpotClient(url, token)

    async def start(self) -> None:
        """Bring up the simulator (if built in), connect on a first run, sync."""
        started = time.perf_counter()
        integration = await self.engine.integration()
        if self.simulator is not None:
            previous = self.settings.value(SETTINGS_URL_KEY)
            url = await asyncio.to_thread(self.simulator.start, previous)
            self.settings.setValue(SETTINGS_URL_KEY, url)
            await asyncio.to_thread(self.engine.tokens.save, url, self.simulator.token)
            if integration.state == "never_connected":
                await self.engine.connect(url, self.simulator.token)
            elif integration.hubspot_url == previous and url != previous:
                await self.store.move_endpoint(url)
            await self._start_webhooks()
        log.info("session ready in %.2f s", time.perf_counter() - started)
        self._runner = asyncio.ensure_future(self.engine.run(self._stop))

    async def _start_webhooks(self) -> None:
        """Changes made in the simulated HubSpot reach Talk within a second."""
        assert self.simulator is not None
        secret = secrets.token_urlsafe(32)
        logs.redact(secret)
        self.receiver = WebhookReceiver(
            secret, self.engine.apply_webhook_events, asyncio.get_running_loop()
        )
        await asyncio.to_thread(self.receiver.start)
        self.simulator.deliver_webhooks_to(self.receiver.url, secret)

    async def stop(self) -> None:
        self.ctx.events.detach()
        self._stop.set()
        # A first sync at HubSpot's rate limit runs for minutes: closing
        # the window must not wait it out.
        await self.engine.stop_syncing("Talk is closing")
        if self._runner is not None:
            await self._runner
        self.ctx.tasks.close()
        await self.ctx.tasks.wait_idle()
        self.window.save_state(self.settings)
        self.settings.sync()
        await self.engine.aclose()
        self.store.close()
        if self.receiver is not None:
            await asyncio.to_thread(self.receiver.stop)
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)


def run(
    data_dir: Path,
    *,
    simulator_contacts: int | None,
    simulator_rate_limit: int = 100,
) -> int:
    """The desktop app's main loop; returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1] or ["talkapp"])
    app.setApplicationName("Talk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("talkapp")
    app.setWindowIcon(icon("talk"))
    # Closing the window ends main() below, after a clean shutdown; Qt must
    # not stop the loop under it first.
    app.setQuitOnLastWindowClosed(False)
    logs.add_log_file(data_dir / "logs" / "talk.log")

    collector = MainThreadCollector(app)
    collector.start()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()

    async def main() -> None:
        session = Session(
            data_dir,
            simulator_contacts=simulator_contacts,
            simulator_rate_limit=simulator_rate_limit,
        )
        session.window.closed.connect(closed.set)
        session.window.show()
        session.ctx.tasks.run(session.start(), label="Starting")
        await closed.wait()
        await session.stop()

    with loop:
        loop.run_until_complete(main())
    collector.stop()
    return 0
