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


def setup(*, verbose: bool = False, log_file: Path | None = None) -> None:
    """Send ``talkapp.*`` to stderr (and a rotating file, for the desktop app)."""
    root = logging.getLogger("talkapp")
    if getattr(root, "_talk_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)

    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)

    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        rotating = RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        rotating.setFormatter(
            RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        root.addHandler(rotating)

    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in SILENT:
        logging.getLogger(name).setLevel(logging.ERROR)
    root._talk_configured = True  # type: ignore[attr-defined]
