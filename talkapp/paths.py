"""Where Talk keeps its data: ``--data-dir``, else ``TALKAPP_DATA_DIR``, else
the platform's user data directory (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "talkapp"
DATABASE = "talk.sqlite3"


def data_dir(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TALKAPP_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def database(directory: Path) -> Path:
    return directory / DATABASE
