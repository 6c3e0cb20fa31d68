"""The sync log: its model, its filter and the view over a real engine."""

from __future__ import annotations

from typing import Any

import pytest
from integration_fixtures import Rig, rig, rig_loop
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from talkapp.store.models import Direction, LogEntry
from talkapp.ui.log_model import EVENT, LEVEL, MESSAGE, SyncLogFilter, SyncLogModel
from talkapp.ui.log_view import SyncLogView

__all__ = ["rig", "rig_loop"]  # fixtures, used by name

# WORKAROUND: Qt's offscreen platform warns on every top-level show(); it is
# the test platform talking, not the view.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def entries(first: int, last: int) -> list[LogEntry]:
    """Entries ``first``..``last``, oldest first, as the store returns them."""
    return [
        LogEntry(
            n,
            1_700_000_000_000 + n * 1000,
            "WARNING" if n % 5 == 0 else "INFO",
            "push_rejected" if n % 5 == 0 else "sync_finished",
            f"line {n}",
            None,
        )
        for n in range(first, last + 1)
    ]


def ids(model: Any) -> list[int]:
    return [
        model.index(row, 0).data(Qt.ItemDataRole.UserRole + 1).id
        for row in range(model.rowCount())
    ]


def open_view(rig: Rig) -> SyncLogView:
    view = SyncLogView(rig.ctx)
    rig.show(view)
    rig.settle(lambda: view.model.rowCount() > 0)
    return view


# -- the model --------------------------------------------------------------------


def test_model_passes_the_model_tester_through_updates(qtmodeltester: Any) -> None:
    model = SyncLogModel()
    model.set_entries(entries(1, 10))
    qtmodeltester.check(model)

    model.set_entries(entries(4, 15))  # newer on top, oldest cut off
    model.set_entries(entries(100, 103))  # an unrelated log: reset
    model.set_entries([])
    qtmodeltester.check(model)


def test_proxy_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = SyncLogModel()
    model.set_entries(entries(1, 20))
    proxy = SyncLogFilter()
    proxy.setSourceModel(model)
    proxy.set_text("line 1")
    qtmodeltester.check(proxy)


def test_newer_entries_go_on_top_and_old_ones_drop_off(qtbot: Any) -> None:
    model = SyncLogModel()
    model.set_entries(entries(1, 10))

    with qtbot.assertNotEmitted(model.modelReset):
        model.set_entries(entries(4, 12))

    assert ids(model) == list(range(12, 3, -1))
    assert model.index(0, MESSAGE).data() == "line 12"
    assert model.index(0, LEVEL).data() == "Info"
    assert model.index(0, EVENT).data() == "sync finished"


def test_filter_matches_event_and_message_and_level() -> None:
    model = SyncLogModel()
    model.set_entries(entries(1, 20))
    proxy = SyncLogFilter()
    proxy.setSourceModel(model)

    proxy.set_text("LINE 1")
    assert ids(proxy) == [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]
    proxy.set_text("push rejected")
    assert ids(proxy) == [20, 15, 10, 5]
    proxy.set_text("")
    proxy.set_warnings_only(True)
    assert ids(proxy) == [20, 15, 10, 5]
    proxy.set_text("line 1")
    assert ids(proxy) == [15, 10]


# -- the view ---------------------------------------------------------------------


def test_view_shows_the_log_newest_first(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    rig.sync()
    view = open_view(rig)

    log = rig.run(rig.engine.sync_log(1000))
    assert ids(view.proxy) == sorted((e.id for e in log), reverse=True)
    assert view.count_label.text() == f"{len(log)} entries"


def test_filter_text_and_level_narrow_the_rows(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    rig.run(rig.engine.set_direction(Direction.TWO_WAY))
    rig.run(rig.engine.disconnect())
    rig.connect()  # a reconnect: the direction reset is logged as a warning
    view = open_view(rig)
    total = view.proxy.rowCount()

    qtbot.keyClicks(view.filter_edit, "direction")
    shown = view.proxy.rowCount()
    assert 0 < shown < total
    for row in range(shown):
        event = view.proxy.index(row, EVENT).data()
        message = view.proxy.index(row, MESSAGE).data()
        assert "direction" in f"{event} {message}".lower()
    assert view.count_label.text() == f"{shown} of {total} entries"

    view.filter_edit.clear()
    view.level_combo.setCurrentIndex(view.level_combo.findText("Warnings and errors"))
    levels = {view.proxy.index(r, LEVEL).data() for r in range(view.proxy.rowCount())}
    assert levels == {"Warning"}
    assert view.proxy.index(0, EVENT).data() == "direction reset"


def test_a_sync_adds_rows_without_a_click(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    view = open_view(rig)
    before = view.model.rowCount()

    rig.portal.update(5, {"hs_lead_status": "CONNECTED"}, "CRM_UI")
    rig.sync()
    rig.wait_for(view.refreshed)

    assert view.model.rowCount() > before
    assert view.proxy.index(0, EVENT).data() == "sync finished"


def test_a_hidden_view_catches_up_when_shown(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    view = open_view(rig)
    view.hide()
    before = view.model.rowCount()

    rig.run(rig.engine.disconnect())
    assert view.model.rowCount() == before

    rig.wait_for(view.refreshed, view.show)
    assert view.proxy.index(0, EVENT).data() == "disconnected"


def test_ctrl_c_copies_the_selected_rows(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    view = open_view(rig)
    view.select_rows([0, 1])
    view.table.setFocus()

    with qtbot.waitSignal(view.copied, timeout=1000) as copied:
        qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    assert copied.args == [2]
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 2
    first = view.model.entry(0)
    assert lines[0].split("\t")[1:] == [first.level, first.event, first.message]
