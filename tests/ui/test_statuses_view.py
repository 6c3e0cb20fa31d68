"""The supervisors' statuses view, on a real engine and simulated portal."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QFileDialog
from statuses_fixtures import (  # noqa: F401  (fixtures, found by name)
    Recorder,
    act,
    lead_status_options,
    set_lead_status_options,
    settle,
    statuses_view_fixture,
    ui_ctx_fixture,
)

from talkapp.commands import status_json
from talkapp.store.models import Disposition, DispositionState, Source
from talkapp.sync.engine import Role
from talkapp.ui.icons import LOCK_NAME
from talkapp.ui.status_model import (
    CONTACTS,
    CSV_COLUMNS,
    LABEL,
    LOCK,
    OFFERED,
    SOURCE,
    STATE,
    VALUE,
    StatusRow,
    StatusTableModel,
)
from talkapp.ui.statuses_view import StatusesView

# The offscreen platform plugin warns whenever a top-level window's size hints
# change; that says nothing about the view.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

ROLE = Qt.ItemDataRole
TALK_VALUE = "talk-bad-timing"


def cell(view: StatusesView, value: str, column: int, role: int = ROLE.DisplayRole):
    row = view.model.row_of(value)
    assert row is not None, f"no row for {value}"
    return view.model.index(row, column).data(role)


def engine_list(harness: Any) -> tuple[list[Disposition], set[str]]:
    statuses = harness.run(harness.engine.statuses())
    offered = {d.value for d in harness.run(harness.engine.offered())}
    return statuses, offered


def counts_of(view: StatusesView) -> dict[str, int]:
    return {row.value: row.contacts for row in view.model.rows}


def make_unknown_value(harness: Any, view: StatusesView) -> None:
    """HubSpot adds an option, gives it to two contacts and deletes it before
    Talk syncs: Talk never had that status, so their value is unknown."""
    options = lead_status_options(harness)
    extra = {"label": "Webinar", "value": "WEBINAR", "displayOrder": 8, "hidden": False}
    set_lead_status_options(harness, [*options, extra])
    for contact_id in (5, 6):
        harness.portal.update(contact_id, {"hs_lead_status": "WEBINAR"}, "CRM_UI")
    set_lead_status_options(harness, options)
    act(harness, view, harness.engine.sync_once())


def activate(harness: Any, view: StatusesView) -> None:
    """Shortcuts and focus need the view's window to be the active one."""
    view.activateWindow()
    settle(harness, view, view.isActiveWindow)


# -- the list --------------------------------------------------------------------


def test_rows_show_what_the_engine_knows(harness, statuses_view):
    view = statuses_view
    statuses, offered = engine_list(harness)

    assert view.model.rowCount() == len(statuses) == 16
    for status in statuses:
        assert cell(view, status.value, LABEL) == status.label
        assert cell(view, status.value, VALUE) == status.value
        assert cell(view, status.value, SOURCE) == (
            "HubSpot" if status.source is Source.HUBSPOT else "Talk"
        )
        assert cell(view, status.value, STATE) == "active"
        assert cell(view, status.value, OFFERED) == (
            "yes" if status.value in offered else "no"
        )
        assert cell(view, status.value, CONTACTS) == f"{status.contacts:,}"
        lock = view.model.row_of(status.value), LOCK
        icon = view.model.index(*lock).data(ROLE.DecorationRole)
        if status.locked:
            assert isinstance(icon, QIcon)
            assert not icon.isNull()
            assert view.model.index(*lock).data(ROLE.AccessibleTextRole) == LOCK_NAME
            assert view.model.index(*lock).data(ROLE.ToolTipRole) == (
                "Managed in HubSpot"
            )
        else:
            assert icon is None

    assert sum(counts_of(view).values()) == 60
    assert "HubSpot connected" in view.connection.text()
    assert view.summary.text() == "16 statuses · 60 contacts"


def test_unknown_values_are_rows_with_their_raw_value(harness, statuses_view):
    view = statuses_view

    make_unknown_value(harness, view)

    settle(harness, view, lambda: view.model.row_of("WEBINAR") is not None)
    assert cell(view, "WEBINAR", LABEL) == "Unknown"
    assert cell(view, "WEBINAR", STATE) == "unknown"
    assert cell(view, "WEBINAR", SOURCE) == "—"
    assert cell(view, "WEBINAR", OFFERED) == "no"
    assert cell(view, "WEBINAR", CONTACTS) == "2"
    assert cell(view, "WEBINAR", LABEL, ROLE.FontRole).italic()
    assert cell(view, "WEBINAR", LABEL, ROLE.AccessibleTextRole) == (
        "Unknown value WEBINAR"
    )
    assert sum(counts_of(view).values()) == 60
    assert view.summary.text().endswith("1 unknown value")
    assert ("Unknown (WEBINAR)", 2) in [(b.label, b.count) for b in view.chart.bars]


def test_hubspot_rename_hide_and_delete_reach_the_view(
    harness, statuses_view, qtmodeltester
):
    view = statuses_view
    qtmodeltester.check(view.model)
    options = lead_status_options(harness)
    for option in options:
        if option["value"] == "NEW":
            option["label"] = "Fresh lead"
        if option["value"] == "OPEN":
            option["hidden"] = True
    set_lead_status_options(harness, [o for o in options if o["value"] != "BAD_TIMING"])

    act(harness, view, harness.engine.sync_once())

    settle(harness, view, lambda: cell(view, "BAD_TIMING", STATE) == "detached")
    assert cell(view, "NEW", LABEL) == "Fresh lead"
    assert cell(view, "OPEN", STATE) == "hidden"
    assert cell(view, "OPEN", OFFERED) == "no"
    assert cell(view, "OPEN", LOCK, ROLE.AccessibleTextRole) == LOCK_NAME
    assert cell(view, "BAD_TIMING", OFFERED) == "no"
    assert cell(view, "BAD_TIMING", LOCK, ROLE.DecorationRole) is None
    assert "Deleted in HubSpot" in cell(view, "BAD_TIMING", STATE, ROLE.ToolTipRole)
    statuses, _ = engine_list(harness)
    assert [r.value for r in view.model.rows] == [s.value for s in statuses]


def test_disconnecting_keeps_the_list_locked_and_says_so(harness, statuses_view):
    view = statuses_view

    act(harness, view, harness.engine.disconnect())

    settle(harness, view, lambda: "disconnected" in view.connection.text())
    assert "kept, locked, not syncing" in view.connection.text()
    assert cell(view, "NEW", LOCK, ROLE.AccessibleTextRole) == LOCK_NAME


def test_counts_follow_contact_changes_in_hubspot(harness, statuses_view):
    view = statuses_view
    before = counts_of(view)["CONNECTED"]
    for contact_id in (1, 2, 3, 4):
        harness.portal.update(contact_id, {"hs_lead_status": "CONNECTED"}, "CRM_UI")

    act(harness, view, harness.engine.sync_once())

    statuses, _ = engine_list(harness)
    expected = {s.value: s.contacts for s in statuses}
    assert expected["CONNECTED"] > before
    settle(harness, view, lambda: counts_of(view) == expected)
    assert [b.count for b in view.chart.bars] == [s.contacts for s in statuses]


def test_a_burst_of_contact_changes_costs_one_reload(harness, ui_ctx, statuses_view):
    view = statuses_view
    reloads = Recorder(view.refreshed)

    for contact_id in range(50):
        ui_ctx.events.contacts_changed.emit([contact_id])

    assert view.refresh_pending
    assert not reloads.calls
    settle(harness, view, lambda: not view.refresh_pending)
    assert len(reloads.calls) == 1


def test_a_hidden_view_reloads_when_shown(harness, statuses_view):
    view = statuses_view
    view.hide()
    reloads = Recorder(view.refreshed)
    options = lead_status_options(harness)
    options[0]["label"] = "Fresh lead"
    set_lead_status_options(harness, options)

    act(harness, view, harness.engine.sync_once())
    settle(harness, view, lambda: not view.refresh_pending)
    assert not reloads.calls

    view.show()
    reloads.wait(harness, view)
    assert cell(view, "NEW", LABEL) == "Fresh lead"


# -- roles and edits -------------------------------------------------------------


def test_agents_see_no_edit_controls(harness, ui_ctx, statuses_view, qtbot):
    view = statuses_view
    admin_buttons = (view.add_button, view.rename_button, view.remove_button)
    activate(harness, view)
    view.select_value(TALK_VALUE)

    assert ui_ctx.role is Role.AGENT
    assert not any(button.isVisible() for button in admin_buttons)
    assert view.export_button.isVisible()
    for key, modifier in (
        (Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    ):
        qtbot.keyClick(view.table, key, modifier)
    assert not view.editor.isVisible()

    ui_ctx.set_role(Role.ADMIN)
    assert all(button.isVisible() for button in admin_buttons)
    view.start_rename()
    assert view.editor.isVisible()

    ui_ctx.set_role(Role.AGENT)
    assert not any(button.isVisible() for button in admin_buttons)
    assert not view.editor.isVisible()


def test_admin_adds_renames_and_removes_a_talk_disposition(
    harness, ui_ctx, statuses_view, qtbot
):
    view = statuses_view
    ui_ctx.set_role(Role.ADMIN)
    activate(harness, view)
    view.table.setFocus()
    added = Recorder(view.disposition_added)
    renamed = Recorder(view.disposition_renamed)
    removed = Recorder(view.disposition_removed)
    value = "talk-call-back"

    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert view.editor.label_edit.hasFocus()
    qtbot.keyClicks(view.editor.label_edit, "Call back")
    assert view.editor.value_edit.text() == value
    qtbot.keyClick(view.editor.label_edit, Qt.Key.Key_Return)
    assert added.wait(harness, view) == (value,)
    settle(harness, view, lambda: getattr(view.selected_row(), "value", "") == value)
    assert cell(view, value, SOURCE) == "Talk"
    assert not view.editor.isVisible()

    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    assert view.editor.label_edit.text() == "Call back"
    qtbot.keyClicks(view.editor.label_edit, "Call back later")
    qtbot.keyClick(view.editor.label_edit, Qt.Key.Key_Return)
    assert renamed.wait(harness, view) == (value,)
    settle(harness, view, lambda: cell(view, value, LABEL) == "Call back later")

    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert view.editor.confirm.hasFocus()
    qtbot.keyClick(view.editor.confirm, Qt.Key.Key_Return)
    assert removed.wait(harness, view) == (value,)
    settle(harness, view, lambda: view.model.row_of(value) is None)

    statuses, _ = engine_list(harness)
    assert value not in {s.value for s in statuses}
    assert view.banner.text == f"Removed {value}."


def test_editing_a_hubspot_status_is_refused_and_changes_nothing(
    harness, ui_ctx, statuses_view, qtbot
):
    view = statuses_view
    ui_ctx.set_role(Role.ADMIN)
    activate(harness, view)
    before, _ = engine_list(harness)
    refused = Recorder(view.edit_refused)
    view.select_value("NEW")

    assert view.rename_button.isEnabled()
    qtbot.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.editor.label_edit, "Brand new")
    qtbot.keyClick(view.editor.label_edit, Qt.Key.Key_Return)
    (message,) = refused.wait(harness, view)
    assert "managed in HubSpot" in message
    assert view.banner.isVisible()
    assert "managed in HubSpot" in view.banner.text

    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.editor.confirm, Qt.MouseButton.LeftButton)
    (message,) = refused.wait(harness, view, count=2)
    assert "cannot remove “New”: it is managed in HubSpot" in message

    settle(harness, view, lambda: not ui_ctx.tasks.busy and not view.refresh_pending)
    after, _ = engine_list(harness)
    assert after == before
    assert cell(view, "NEW", LABEL) == "New"


def test_keyboard_reaches_everything_in_order(harness, ui_ctx, statuses_view, qtbot):
    view = statuses_view
    ui_ctx.set_role(Role.ADMIN)
    activate(harness, view)
    view.select_value(TALK_VALUE)
    view.table.setFocus()

    order = []
    for _ in range(5):
        order.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert order == [
        view.table,
        view.add_button,
        view.rename_button,
        view.remove_button,
        view.export_button,
    ]
    assert QApplication.focusWidget() is view.table

    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    assert view.editor.label_edit.hasFocus()
    qtbot.keyClick(view.editor.label_edit, Qt.Key.Key_Delete)
    assert view.editor.mode == "rename"  # Del edits the text, it removes nothing
    assert view.editor.label_edit.text() == ""
    qtbot.keyClick(view.editor.label_edit, Qt.Key.Key_Escape)
    assert not view.editor.isVisible()
    assert view.table.hasFocus()


# -- the chart -------------------------------------------------------------------


def test_chart_has_one_bar_per_row_with_its_count(harness, statuses_view):
    chart = statuses_view.chart
    statuses, _ = engine_list(harness)

    assert [(b.label, b.count) for b in chart.bars] == [
        (s.label, s.contacts) for s in statuses
    ]
    assert [b.locked for b in chart.bars] == [s.locked for s in statuses]
    first = statuses[0]
    assert f"{first.label} (locked): {first.contacts}" in chart.accessibleDescription()


def test_chart_paints_with_the_palette_in_light_and_dark(statuses_view):
    chart = statuses_view.chart
    biggest = max(range(len(chart.bars)), key=lambda n: chart.bars[n].count)
    for base, text, highlight in (
        ("#ffffff", "#1b1b1b", "#0b57d0"),
        ("#1e1e1e", "#eeeeee", "#4c9aff"),
    ):
        palette = QPalette(chart.palette())
        palette.setColor(QPalette.ColorRole.Base, QColor(base))
        palette.setColor(QPalette.ColorRole.Text, QColor(text))
        palette.setColor(QPalette.ColorRole.Highlight, QColor(highlight))
        chart.setPalette(palette)

        image = chart.grab().toImage()

        bar = chart.bar_rect(biggest)
        assert bar.width() > 50
        assert image.pixelColor(bar.center()) == QColor(highlight)
        assert image.pixelColor(QPoint(chart.width() - 2, 1)) == QColor(base)


# -- export ----------------------------------------------------------------------


def test_export_csv_writes_what_the_command_line_reports(
    harness, statuses_view, tmp_path
):
    view = statuses_view
    make_unknown_value(harness, view)
    path = tmp_path / "statuses.csv"
    exported = Recorder(view.exported)

    view.export_csv(str(path))

    assert exported.wait(harness, view) == (str(path),)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    statuses, offered = engine_list(harness)
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1:-1] == [
        [_csv_word(v) for v in status_json(s, offered).values()] for s in statuses
    ]
    assert rows[-1] == [
        "WEBINAR",
        "Unknown",
        "",
        "false",
        "false",
        "false",
        "unknown",
        "",
        "2",
    ]
    assert str(path) in view.banner.text
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o644


def test_export_button_opens_a_file_dialog_without_blocking(
    harness, statuses_view, qtbot, tmp_path
):
    view = statuses_view
    path = tmp_path / "list.csv"
    exported = Recorder(view.exported)

    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)

    dialog = view.findChild(QFileDialog)
    assert dialog is not None
    assert dialog.isVisible()
    dialog.selectFile(str(path))
    dialog.accept()
    exported.wait(harness, view)
    assert path.read_text(encoding="utf-8").startswith(",".join(CSV_COLUMNS))


def test_export_failure_is_shown_in_the_view(harness, statuses_view, tmp_path):
    view = statuses_view
    failed = Recorder(view.export_failed)

    view.export_csv(str(tmp_path / "missing" / "statuses.csv"))

    (message,) = failed.wait(harness, view)
    assert message.startswith("Could not export")
    assert view.banner.isVisible()
    assert view.banner.text == message
    assert not (tmp_path / "missing").exists()


def _csv_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- the model on its own, and UI state ------------------------------------------


def _row(value: str, contacts: int) -> StatusRow:
    status = Disposition(
        value,
        value.title(),
        Source.HUBSPOT,
        False,
        DispositionState.ACTIVE,
        0,
        contacts,
    )
    return StatusRow.of_status(status, offered=True)


def test_model_updates_in_place_and_resets_when_the_list_changes(qtmodeltester):
    model = StatusTableModel()
    qtmodeltester.check(model)
    first = [_row("A", 3), _row("B", 1), StatusRow.of_unknown("X", 2)]

    assert model.set_rows(first) is True
    assert model.set_rows([_row("A", 4), *first[1:]]) is False
    assert model.index(0, CONTACTS).data() == "4"
    assert model.set_rows([_row("B", 1)]) is True
    assert model.set_rows([]) is True
    assert model.rowCount() == 0


def test_sorting_by_contacts_is_numeric(statuses_view, qtmodeltester):
    view = statuses_view
    qtmodeltester.check(view.proxy, force_py=True)

    view.table.sortByColumn(CONTACTS, Qt.SortOrder.DescendingOrder)

    shown = [view.proxy.index(n, CONTACTS).data() for n in range(3)]
    counts = sorted(counts_of(view).values(), reverse=True)[:3]
    assert shown == [f"{count:,}" for count in counts]


def test_ui_state_round_trips(statuses_view, tmp_path: Path):
    view = statuses_view
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    view.splitter.setSizes([600, 400])
    view.save_state(settings)
    saved = view.splitter.sizes()

    view.splitter.setSizes([300, 700])
    view.restore_state(settings)

    assert view.splitter.sizes() == saved
