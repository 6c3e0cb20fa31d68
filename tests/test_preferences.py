"""Preferences: declared once, versioned, upgraded, never a crash on a bad file."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from talkapp import preferences
from talkapp.preferences import Preferences, PreferencesError
from talkapp.store.async_store import AsyncStore
from talkapp.sync.engine import SyncEngine


def test_defaults_when_there_is_no_file(tmp_path: Path) -> None:
    loaded = preferences.load(tmp_path)
    assert loaded == Preferences()
    assert loaded.sync_interval_s == 10
    assert loaded.simulator_sync_interval_s == 2


def test_saved_preferences_come_back(tmp_path: Path) -> None:
    preferences.save(tmp_path, Preferences(sync_interval_s=30, simulator_contacts=5))
    again = preferences.load(tmp_path)
    assert again.sync_interval_s == 30
    assert again.simulator_contacts == 5


def test_an_older_file_is_upgraded(tmp_path: Path) -> None:
    (tmp_path / preferences.FILE).write_text(json.dumps({"interval_s": 45}))
    loaded = preferences.load(tmp_path)
    assert loaded.version == preferences.VERSION
    assert loaded.sync_interval_s == 45


def test_a_bad_value_is_one_line_and_changes_nothing(tmp_path: Path, caplog) -> None:
    path = tmp_path / preferences.FILE
    text = json.dumps({"version": 2, "sync_interval_s": 0.01})
    path.write_text(text)

    with pytest.raises(PreferencesError) as refused:
        preferences.parse(json.loads(text))
    assert "sync_interval_s" in str(refused.value)
    assert "\n" not in str(refused.value)

    with caplog.at_level(logging.WARNING, logger="talkapp.preferences"):
        assert preferences.load(tmp_path) == Preferences()
    assert "sync_interval_s" in caplog.text
    assert path.read_text() == text  # left as the user wrote it


def test_a_newer_or_broken_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / preferences.FILE
    path.write_text(json.dumps({"version": 99}))
    assert preferences.load(tmp_path) == Preferences()
    path.write_text("{not json")
    assert preferences.load(tmp_path) == Preferences()


async def test_the_engine_syncs_at_the_preferred_interval(tmp_path: Path) -> None:
    store = AsyncStore(tmp_path / "talk.sqlite3")
    try:
        engine = SyncEngine(
            store,
            preferences=Preferences(sync_interval_s=60, simulator_sync_interval_s=5),
        )
        integration = await engine.integration()
        remote = replace(integration, hubspot_url="https://api.hubapi.com")
        local = replace(integration, hubspot_url="http://127.0.0.1:8765")
        assert engine.interval(remote) == 60
        assert engine.interval(local) == 5
    finally:
        store.close()
