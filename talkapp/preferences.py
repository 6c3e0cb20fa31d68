"""User preferences, declared once: a pydantic model with a schema version.

Stored as ``preferences.json`` in the data directory. A file written by an
older Talk is upgraded step by step on load; a file that cannot be read is
reported in one line and left untouched, and the defaults are used. UI state
(window geometry, column widths) is not a preference: Qt keeps it apart.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger("talkapp.preferences")

FILE = "preferences.json"
VERSION = 2


class Preferences(BaseModel):
    """What a user may change about how Talk syncs and starts."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    version: int = VERSION
    sync_interval_s: float = Field(10.0, ge=1.0, le=3600.0)
    simulator_sync_interval_s: float = Field(2.0, ge=0.5, le=3600.0)
    simulator_contacts: int = Field(300, ge=0, le=1_000_000)


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had one interval for every portal."""
    data = dict(data)
    interval = data.pop("interval_s", None)
    if interval is not None:
        data["sync_interval_s"] = interval
    data["version"] = 2
    return data


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


class PreferencesError(ValueError):
    """The preferences file cannot be used; the message is one line."""


def parse(data: Any) -> Preferences:
    """Preferences from a file's JSON, upgraded to the current version."""
    if not isinstance(data, dict):
        raise PreferencesError("preferences must be a JSON object")
    version = data.get("version", 1)
    if not isinstance(version, int) or version > VERSION:
        raise PreferencesError(
            f"preferences version {version!r} is newer than this Talk knows"
        )
    while version < VERSION:
        data = UPGRADES[version](data)
        version = data["version"]
    try:
        return Preferences.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "preferences"
        raise PreferencesError(f"{where}: {first['msg']}") from None


def load(directory: Path) -> Preferences:
    """The saved preferences, or the defaults (saying why, once) if unusable."""
    path = directory / FILE
    if not path.exists():
        return Preferences()
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, PreferencesError) as error:
        log.warning("ignoring %s (defaults used, file left as it is): %s", path, error)
        return Preferences()


def save(directory: Path, preferences: Preferences) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE
    temporary = path.with_name(FILE + ".tmp")
    temporary.write_text(preferences.model_dump_json(indent=2), encoding="utf-8")
    os.replace(temporary, path)
