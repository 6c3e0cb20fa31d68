"""The agents' workspace, driven the way an agent drives it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ui_harness import OTHER_SIM_URL, TOKEN, Harness

from talkapp.store.models import Direction, SyncState
from talkapp.sync import pull
from talkapp.ui.contact_model import DISPOSITION, SYNC, ContactTableModel
from talkapp.ui.contacts_view import ContactsView
from talkapp.ui.context import UiContext
from talkapp.ui.models import HistoryModel, OfferedModel


@pytest.fixture
def view(harness: Harness, qtbot) -> Iterator[ContactsView]:
    ctx = UiContext(harness.engine)
    widget = ContactsView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    harness.settle(lambda: widget.loaded and widget.model.total() == 60)
    yield widget
    ctx.tasks.close()
    harness.run(ctx.tasks.wait_idle())
    ctx.events.detach()


def select(view: ContactsView, harness: Harness, row: int) -> None:
    view.table.setFocus()
    view.table.selectRow(row)
    contact = view.model.contact(row)
    harness.settle(
        lambda: view.panel.contact is not None and view.panel.contact.id == contact.id
    )


async def stored_state(harness: Harness, contact_id: int, state: SyncState) -> bool:
    return (await harness.engine.contact(contact_id)).sync_state is state


async def stored_value(harness: Harness, contact_id: int, value: str) -> bool:
    return (await harness.engine.contact(contact_id)).disposition == value


def test_models_pass_the_model_tester(view: ContactsView, harness, qtmodeltester):
    qtmodeltester.check(view.model, force_py=True)
    qtmodeltester.check(view.panel.offered, force_py=True)
    select(view, harness, 0)
    qtmodeltester.check(view.panel.history, force_py=True)


def test_empty_models_pass_the_model_tester(qtmodeltester) -> None:
    for model in (ContactTableModel(), OfferedModel(), HistoryModel()):
        qtmodeltester.check(model, force_py=True)


def test_picker_offers_hubspot_statuses_locked_in_order(view, harness) -> None:
    offered = harness.run(harness.engine.offered())
    picker = view.panel.offered
    assert [picker.status(r).value for r in range(picker.rowCount())] == [
        d.value for d in offered
    ]
    assert [d.value for d in offered][:2] == ["NEW", "OPEN"]
    first = picker.index(0, 0)
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "Managed in HubSpot"
    assert "Locked" in first.data(Qt.ItemDataRole.AccessibleTextRole)
    assert first.data(Qt.ItemDataRole.DecorationRole) is not None
    assert not picker.flags(first) & Qt.ItemFlag.ItemIsEditable


def test_table_shows_lock_and_sync_state_with_tooltips(view) -> None:
    index = view.model.index(0, DISPOSITION)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Managed in HubSpot"
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None
    sync = view.model.index(0, SYNC)
    assert sync.data() == "Synced"
    assert "Talk and HubSpot agree" in sync.data(Qt.ItemDataRole.ToolTipRole)


def test_picking_one_way_keeps_the_change_local(view, harness, qtbot) -> None:
    select(view, harness, 2)
    contact = view.panel.contact
    target = "CONNECTED" if contact.disposition != "CONNECTED" else "OPEN"
    row = view.panel.offered.row_of(target)

    view.panel.picker.setFocus()
    qtbot.keyClick(view.panel.picker, str(row + 1))

    assert view.panel.contact.disposition == target  # shown at once
    assert "stays in Talk" in view.panel.mode_note.text()
    harness.settle(lambda: stored_state(harness, contact.id, SyncState.LOCAL_ONLY))
    stored = harness.run(harness.engine.contact(contact.id))
    assert stored.disposition == target
    hubspot = harness.portal.get(contact.hubspot_id).properties["hs_lead_status"]
    assert hubspot == contact.disposition  # never sent
    harness.settle(lambda: view.panel.history.rowCount() == 1)


def test_picking_two_way_reaches_hubspot(view, harness, qtbot) -> None:
    harness.run(harness.engine.set_direction(Direction.TWO_WAY))
    harness.settle(lambda: "Two-way" in view.panel.mode_note.text())
    select(view, harness, 4)
    contact = view.panel.contact
    target = "BAD_TIMING" if contact.disposition != "BAD_TIMING" else "NEW"

    assert view.panel.picker.pick_number(view.panel.offered.row_of(target) + 1)
    assert view.panel.contact.sync_state is SyncState.PENDING
    harness.settle(lambda: stored_state(harness, contact.id, SyncState.PENDING))

    harness.run(harness.engine.sync_once())
    assert harness.portal.get(contact.hubspot_id).properties["hs_lead_status"] == (
        target
    )
    harness.settle(lambda: view.panel.contact.sync_state is SyncState.SYNCED)
    assert view.model.contact(view.model.row_of(contact.id)).sync_state is (
        SyncState.SYNCED
    )


def test_keyboard_search_move_open_and_pick(view, harness, qtbot) -> None:
    target = view.model.contact(7)
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search.hasFocus()
    qtbot.keyClicks(view.search, target.email[:12])
    assert view.model.rowCount() >= 1
    assert all(
        target.email[:12].lower() in view.model.contact(r).email.lower()
        for r in range(view.model.rowCount())
    )
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.table.hasFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    harness.settle(lambda: view.panel.contact is not None)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.panel.picker.hasFocus()

    chosen = view.panel.contact
    qtbot.keyClick(view.panel.picker, "1")
    first = view.panel.offered.status(0).value
    assert view.panel.contact.disposition == first
    harness.settle(lambda: stored_value(harness, chosen.id, first))

    qtbot.keyClick(view.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.search, Qt.Key.Key_Delete)
    assert view.model.rowCount() == 60


def test_filters_by_disposition_and_sync_state(view, harness) -> None:
    combo = view.disposition_filter
    combo.setCurrentIndex(combo.findData("NEW"))
    rows = [view.model.contact(r) for r in range(view.model.rowCount())]
    assert rows
    assert all(c.disposition == "NEW" for c in rows)
    assert view.count.text().endswith("of 60")

    combo.setCurrentIndex(0)
    view.sync_filter.setCurrentIndex(view.sync_filter.findData("local_only"))
    assert view.model.rowCount() == 0
    select_all = view.sync_filter.findData(None)
    view.sync_filter.setCurrentIndex(select_all)
    assert view.model.rowCount() == 60


def test_a_value_no_status_knows_is_shown_raw(view, harness) -> None:
    prop = harness.portal.get_property("hs_lead_status")
    kept = [o for o in prop["options"] if o["value"] != "NEW"]
    harness.portal.update_property("hs_lead_status", {"options": kept})
    harness.run(harness.engine.sync_once())
    harness.run(harness.engine.remove_disposition("NEW", _admin()))
    harness.settle(
        lambda: any(
            view.model.index(r, DISPOSITION).data() == "Unknown (NEW)"
            for r in range(view.model.rowCount())
        )
    )


def test_hubspot_changes_reach_the_table(view, harness) -> None:
    contact = view.model.contact(0)
    new = "UNQUALIFIED" if contact.disposition != "UNQUALIFIED" else "OPEN"
    harness.portal.update(contact.hubspot_id, {"hs_lead_status": new}, "CRM_UI")
    harness.run(harness.engine.sync_once())
    row = view.model.row_of(contact.id)
    harness.settle(lambda: view.model.contact(row).disposition == new)


def test_a_resync_written_by_a_store_writer_reaches_the_table(
    view, harness, monkeypatch, caplog
) -> None:
    # Any list walk gets a writer process here; its answers come in on the
    # qasync loop, as in the app.
    monkeypatch.setattr(pull, "WRITER_MIN_PAGES", 0)
    caplog.set_level(logging.INFO, logger="talkapp.sync.pull")
    contact = view.model.contact(0)
    new = "UNQUALIFIED" if contact.disposition != "UNQUALIFIED" else "OPEN"
    harness.portal.update(contact.hubspot_id, {"hs_lead_status": new}, "CRM_UI")

    summary = harness.run(harness.engine.sync_once(full=True))

    assert "a store writer process" in caplog.text
    assert (summary.pulled, summary.changed) == (60, 1)
    row = view.model.row_of(contact.id)
    harness.settle(lambda: view.model.contact(row).disposition == new)


def _admin():
    from talkapp.sync.engine import Role

    return Role.ADMIN


def test_no_window_other_than_the_view_opens(view) -> None:
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [view]


def test_connecting_another_portal_shows_its_contacts_only(view, harness) -> None:
    select(view, harness, 3)
    harness.run(harness.engine.connect(OTHER_SIM_URL, TOKEN))
    harness.settle(lambda: view.model.total() == 0)  # portal 777, not synced yet
    # The last portal's contact is no longer offered for a disposition.
    assert view.panel.contact is None
    harness.run(harness.engine.sync_once())

    harness.settle(lambda: view.model.total() == 40)
    shown = {view.model.contact(row).id for row in range(view.model.rowCount())}
    assert shown == {c.id for c in harness.run(harness.engine.contacts())}
