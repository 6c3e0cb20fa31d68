"""Helpers for the command-line tests (imported by the ``test_cli_*`` modules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from talkapp.simulator import DEFAULT_TOKEN
from talkapp.simulator.portal import Portal

READ_ONLY_TOKEN = "read-only-token"
REPO = Path(__file__).resolve().parents[2]
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_HUBSPOT = 0, 1, 2, 3, 4
STATUS_KEYS = {
    "value",
    "label",
    "source",
    "locked",
    "hidden",
    "offered",
    "state",
    "display_order",
    "contacts",
}
CONTACT_KEYS = {
    "id",
    "hubspot_id",
    "name",
    "email",
    "phone",
    "disposition",
    "disposition_label",
    "sync_state",
}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == EXIT_OK, self.err
        return json.loads(self.out)

    def one_error_line(self) -> str:
        """The single line a failed command must print on stderr."""
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("talkapp: "), self.err
        assert "Traceback" not in self.err
        return lines[0]


@dataclass
class Talk:
    """Runs the ``talkapp`` command line on one data directory."""

    data_dir: Path
    hubspot_url: str
    pycache: Path | None = None

    def __call__(self, *args: str, token: str | None = DEFAULT_TOKEN) -> Result:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALKAPP_")}
        env.pop("HUBSPOT_ACCESS_TOKEN", None)
        if token is not None:
            env["HUBSPOT_ACCESS_TOKEN"] = token
        env["PYTHONWARNINGS"] = "error"
        if self.pycache is not None:
            # Compile Talk once per test session, outside the source tree.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        done = subprocess.run(
            [sys.executable, "-m", "talkapp", "--data-dir", str(self.data_dir), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=REPO,
            timeout=60,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kw: Any) -> Result:
        result = self(*args, **kw)
        assert result.code == EXIT_OK, result.err
        return result

    def connect(self, **kw: Any) -> Result:
        return self.ok("connect", "--hubspot-url", self.hubspot_url, **kw)

    def contacts(self) -> dict[str, dict[str, Any]]:
        """Talk's contacts by HubSpot id."""
        return {c["hubspot_id"]: c for c in self.ok("contacts", "--json").json()}

    def statuses(self) -> list[dict[str, Any]]:
        return self.ok("statuses", "--json").json()

    def log_events(self) -> list[str]:
        """The sync log's events, oldest first (each line stamped ``at``)."""
        entries = self.ok("log", "--json", "--limit", "1000").json()
        assert all(e["at"].endswith("Z") and e["message"] for e in entries)
        return [e["event"] for e in entries]

    def settings(self, **changes: Any) -> None:
        """Turn the simulator's fault knobs over HTTP, as QA does."""
        url = f"{self.hubspot_url}/_simulator/settings"
        httpx.patch(url, json=changes, timeout=10).raise_for_status()


def lead_status(portal: Portal, hubspot_id: str) -> str | None:
    return portal.get(hubspot_id).properties.get("hs_lead_status")


def another(value: str | None, *, avoid: tuple[str, ...] = ()) -> str:
    choices = ["NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "BAD_TIMING"]
    return next(v for v in choices if v != value and v not in avoid)
