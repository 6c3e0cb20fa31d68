"""The main window: the banner, errors without a dialog storm, saved state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from ui_harness import Harness

from talkapp.hubspot import HubSpotError
from talkapp.store.models import Direction
from talkapp.sync.engine import Role
from talkapp.ui.banner import ERROR, WARNING
from talkapp.ui.context import UiContext
from talkapp.ui.main_window import MainWindow


@pytest.fixture
def window(harness: Harness, qtbot) -> Iterator[MainWindow]:
    ctx = UiContext(harness.engine)
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.show()
    harness.settle(lambda: main.contacts_view.loaded)
    yield main
    ctx.tasks.close()
    harness.run(ctx.tasks.wait_idle())
    ctx.events.detach()


def dialogs() -> list:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog | QMessageBox) and w.isVisible()
    ]


def test_reconnect_shows_the_direction_reset_banner(window, harness) -> None:
    harness.run(harness.engine.set_direction(Direction.TWO_WAY))
    harness.run(harness.engine.disconnect())
    assert not window.banner.isVisible()

    harness.run(harness.engine.connect("http://simulator.test", "sim-token"))

    harness.settle(lambda: window.banner.isVisible())
    assert "reset to HubSpot → Talk" in window.banner.text
    assert window.banner.property("kind") == WARNING
    assert dialogs() == []
    harness.settle(lambda: "Direction: HubSpot → Talk" in window.summary.text())


def test_hubspot_errors_do_not_storm(window, harness) -> None:
    simulator = harness.app.state.simulator
    simulator.settings = simulator.settings.patched({"offline": True})
    simulator.apply_settings()

    for _ in range(4):
        with pytest.raises(HubSpotError):
            harness.run(harness.engine.sync_once())

    harness.settle(lambda: window.banner.isVisible())
    assert window.banner.property("kind") == ERROR
    assert "Sync failed" in window.banner.text
    assert "(×4)" in window.banner.text
    assert dialogs() == []
    harness.settle(lambda: "last sync failed" in window.summary.text())

    simulator.settings = simulator.settings.patched({"offline": False})
    simulator.apply_settings()
    harness.run(harness.engine.sync_once())
    harness.settle(lambda: "No problems" in window.summary.text())


def test_disconnecting_during_a_sync_is_not_reported_as_a_failure(
    window, harness
) -> None:
    simulator = harness.app.state.simulator
    simulator.settings = simulator.settings.patched({"latency_ms": 60_000})
    simulator.apply_settings()
    started: list[bool] = []
    window.ctx.events.sync_started.connect(lambda: started.append(True))
    window.sync_now_action.trigger()
    harness.settle(lambda: started)  # and waiting on HubSpot for a minute

    harness.run(harness.engine.disconnect(), timeout=5)

    harness.settle(lambda: window.summary.text().startswith("Disconnected"))
    harness.run(window.ctx.tasks.wait_idle(), timeout=5)
    assert "No problems" in window.summary.text()
    assert not window.banner.isVisible()
    assert dialogs() == []
    events = [entry.event for entry in harness.run(harness.engine.sync_log(2))]
    assert events == ["sync_stopped", "disconnected"]


def test_sync_now_runs_through_the_one_task_runner(window, harness) -> None:
    before = harness.run(harness.engine.integration()).last_sync_at
    window.sync_now_action.trigger()
    harness.settle(lambda: not window.ctx.tasks.busy)
    after = harness.run(harness.engine.integration()).last_sync_at
    assert after is not None
    assert before is None or after >= before


def test_role_switch_is_in_the_menu(window) -> None:
    window.role_actions[Role.ADMIN].trigger()
    assert window.ctx.role is Role.ADMIN
    window.role_actions[Role.AGENT].trigger()
    assert window.ctx.role is Role.AGENT


def test_window_state_is_restored(window, harness, tmp_path: Path, qtbot) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window.resize(900, 580)
    window.contacts_view.splitter.setSizes([600, 300])
    window.tabs.setCurrentIndex(2)
    window.save_state(settings)
    settings.sync()

    async def reopen() -> MainWindow:  # its views start loading at once
        return MainWindow(window.ctx)

    again = harness.run(reopen())
    qtbot.addWidget(again)
    again.restore_state(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    again.show()
    harness.settle(lambda: again.contacts_view.loaded)

    assert again.size().height() == 580
    assert again.tabs.currentIndex() == 2
    again.show_view(0)
    sizes = again.contacts_view.splitter.sizes()
    assert sizes[0] > 1.5 * sizes[1]
