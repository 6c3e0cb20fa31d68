"""Logging for Talk: one tree under ``talkapp.*``, and no secret ever written.

Code logs through ``logging.getLogger("talkapp.<subsystem>")``. ``setup``
attaches the handlers once per process; ``redact`` registers a secret (an
access token, a webhook secret) so that every handler masks it, even if a
message or a traceback happens to contain it.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

_secrets: set[str] = set()
MASK = "[redacted]"
NOISY = ("httpx", "httpcore", "uvicorn.access", "hpack", "asyncio")
# stamina announces every scheduled retry at WARNING; the client logs its own.
SILENT = ("stamina",)


def redact(secret: str | None) -> None:
    """Mask ``secret`` in everything Talk logs from now on."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


class RedactingFormatter(logging.Formatter):
    """A formatter that masks registered secrets in the finished line."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in _secrets:
            if secret in line:
                line = line.replace(secret, MASK)
        return line


def setup(*, verbose: bool = False) -> None:
    """Send ``talkapp.*`` warnings (everything, with ``verbose``) to stderr."""
    root = logging.getLogger("talkapp")
    if getattr(root, "_talk_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)

    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)

    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.ERROR)
    root._talk_configured = True  # type: ignore[attr-defined]


def add_log_file(path: Path) -> None:
    """Also keep a rotating log file (the desktop app's, for support)."""
    root = logging.getLogger("talkapp")
    if any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rotating = RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    rotating.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(rotating)
