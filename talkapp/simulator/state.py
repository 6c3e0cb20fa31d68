"""``--state FILE``: the portal survives a restart of the simulator.

The file is written atomically (a temporary file renamed over it), every few
seconds while there are unsaved changes, and once more on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import orjson

from talkapp.simulator.portal import Portal

log = logging.getLogger("talkapp.simulator.state")

SAVE_EVERY_S = 2.0


def load_into(portal: Portal, path: Path) -> None:
    """Replace the seeded portal with the saved one, if the file exists."""
    if not path.exists():
        return
    try:
        portal.restore(orjson.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SystemExit(f"cannot read simulator state {path}: {error}") from None
    log.info("portal restored from %s (%d contacts)", path, portal.count())


def save(portal: Portal, path: Path) -> None:
    data = orjson.dumps(portal.snapshot())
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


async def keep_saved(portal: Portal, path: Path) -> None:
    saved = -1
    while True:
        if portal.revision != saved:
            saved = portal.revision
            save(portal, path)
        await asyncio.sleep(SAVE_EVERY_S)
