"""The HubSpot simulator built into the desktop app, for first runs and demos.

It keeps its portal in the data directory, so the demo portal (and Talk's
connection to it) survive a restart, and it tries the port it had last time
so the stored connection still points at it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer

log = logging.getLogger("talkapp.ui.simulator")

STATE_FILE = "simulator-portal.json"


class BuiltInSimulator:
    """A simulator on 127.0.0.1, started in a background thread."""

    token = DEFAULT_TOKEN

    def __init__(
        self, data_dir: Path, *, contacts: int = 300, rate_limit: int = 100
    ) -> None:
        self.config = SimulatorConfig(
            token=self.token,
            contacts=contacts,
            rate_limit=rate_limit,
            state_file=data_dir / STATE_FILE,
        )
        self.app = None
        self.server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "the simulator is not running"
        return self.server.url

    def owns(self, url: str | None) -> bool:
        """Whether ``url`` is (or was) this app's built-in simulator."""
        return (
            bool(url)
            and urlsplit(url).hostname == "127.0.0.1"
            and (self.server is not None and url == self.server.url)
        )

    def start(self, preferred_url: str | None = None) -> str:
        """Start it (blocking: call from a worker thread); return its URL."""
        self.app = create_app(self.config)
        port = 0
        if preferred_url and urlsplit(preferred_url).hostname == "127.0.0.1":
            port = urlsplit(preferred_url).port or 0
        try:
            self.server = LoopbackServer(self.app, port=port)
        except OSError:
            log.info("port %s is taken; the built-in simulator moves", port)
            self.server = LoopbackServer(self.app, port=0)
        self.server.start()
        log.info("built-in HubSpot simulator at %s", self.server.url)
        return self.server.url

    def deliver_webhooks_to(self, url: str | None, secret: str = "") -> None:
        """Send lead-status webhooks to ``url`` (None stops them)."""
        assert self.app is not None, "the simulator is not running"
        self.app.state.simulator.set_webhook(url, secret)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
