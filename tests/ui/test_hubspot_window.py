"""The HubSpot window: the simulated portal QA drives, through its own HTTP API.

The window talks to the harness's simulator in-process (``ASGITransport``);
what it does is checked in the portal itself, not in the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QComboBox
from ui_harness import Harness

from talkapp.simulator import SimulatorConfig, create_app
from talkapp.simulator.server import LoopbackServer
from talkapp.ui.context import UiContext
from talkapp.ui.hubspot_window import HubSpotWindow
from talkapp.ui.hubspot_window.models import (
    LABEL,
    STATUS,
    ContactsModel,
    OptionsModel,
)
from talkapp.ui.hubspot_window.portal_client import (
    FaultSettings,
    LeadStatusOption,
    PortalContact,
)
from talkapp.ui.main_window import NO_SIMULATOR_TIP, MainWindow
from talkapp.ui.tasks import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

SIM_URL = "http://simulator.test"
TOKEN = "sim-token"
LEAD_STATUS = "hs_lead_status"


def open_window(harness: Harness, qtbot: Any, app: Any, **kwargs: Any) -> HubSpotWindow:
    window = HubSpotWindow(
        SIM_URL,
        TOKEN,
        TaskRunner(),
        transport=httpx.ASGITransport(app=app),
        **kwargs,
    )
    qtbot.addWidget(window)
    window.show()
    harness.settle(
        lambda: (
            window.contacts_tab.model.rowCount()
            and window.options_model.rowCount()
            and window.faults_tab.settings is not None
        )
    )
    return window


def shut(harness: Harness, window: HubSpotWindow) -> None:
    window.tasks.close()
    harness.run(window.tasks.wait_idle())
    harness.run(window.aclose())


@pytest.fixture
def window(harness: Harness, qtbot: Any) -> Iterator[HubSpotWindow]:
    """The window on the harness's 60-contact portal; it polls only when told."""
    opened = open_window(harness, qtbot, harness.app, poll_ms=600_000)
    yield opened
    shut(harness, opened)


def options(harness: Harness) -> list[tuple[str, str, bool]]:
    listed = harness.portal.get_property(LEAD_STATUS)["options"]
    ordered = sorted(listed, key=lambda o: o["displayOrder"])
    return [(o["label"], o["value"], o["hidden"]) for o in ordered]


def simulator(harness: Harness) -> Any:
    return harness.app.state.simulator


def select_option(window: HubSpotWindow, value: str) -> None:
    row = window.options_model.row_of(value)
    assert row is not None, value
    window.options_tab.table.selectRow(row)


# -- models --------------------------------------------------------------------


def test_models_pass_the_model_tester(qtmodeltester) -> None:
    contacts = ContactsModel()
    contacts.set_labels([LeadStatusOption("New", "NEW")])
    contacts.set_page(
        [
            PortalContact("1", "Ada", "Byron", "ada@example.com", "NEW", 1000),
            PortalContact("2", "Alan", "Turing", "", "GONE", 2000),
            PortalContact("3"),
        ],
        after="4",
    )
    contacts.setData(contacts.index(0, STATUS), "")  # a pending edit
    qtmodeltester.check(contacts)
    assert contacts.index(1, STATUS).data() == "Unknown (GONE)"

    listed = OptionsModel()
    listed.set_options(
        [LeadStatusOption("New", "NEW"), LeadStatusOption("Old", "OLD", hidden=True)]
    )
    qtmodeltester.check(listed)


def test_late_pages_of_an_old_search_are_dropped(qtbot) -> None:
    model = ContactsModel()
    model.set_page([PortalContact("1")], after="2")
    with qtbot.waitSignal(model.more_requested) as asked:
        model.fetchMore()
    assert asked.args == ["2"]
    assert not model.canFetchMore()  # one page at a time
    old = model.generation
    model.set_page([PortalContact("9")], after=None)

    assert not model.append_page([PortalContact("2")], None, old)
    assert [model.contact(r).id for r in range(model.rowCount())] == ["9"]


# -- the window ----------------------------------------------------------------


def test_the_window_is_the_portal(window: HubSpotWindow, harness: Harness) -> None:
    assert window.windowTitle() == f"HubSpot (simulator) — {SIM_URL}"
    assert "Simulated HubSpot portal" in window.header.text()
    assert window.header.isVisible()
    assert window.contacts_tab.model.rowCount() == 60
    assert [o.value for o in window.options_model.options()] == [
        value for _, value, _ in options(harness)
    ]
    assert not window.faults_bar.isVisible()
    harness.settle(lambda: "60 of 60 contacts" in window.contacts_tab.count.text())

    first = harness.portal.get(1)
    label = dict((v, lbl) for lbl, v, _ in options(harness))[
        first.properties[LEAD_STATUS]
    ]
    assert window.contacts_tab.model.index(0, STATUS).data() == label


def test_an_edit_in_place_is_a_crm_ui_change(window, harness: Harness) -> None:
    tab = window.contacts_tab
    before = harness.portal.get(3).properties.get(LEAD_STATUS)
    wanted = "CONNECTED" if before != "CONNECTED" else "BAD_TIMING"
    index = tab.model.index(2, STATUS)

    tab.table.setCurrentIndex(index)
    tab.table.edit(index)
    editor = tab.table.indexWidget(index)
    assert isinstance(editor, QComboBox)
    assert (editor.itemText(0), editor.itemData(0)) == ("— none —", "")
    editor.setCurrentIndex(editor.findData(wanted))
    editor.activated.emit(editor.currentIndex())

    harness.settle(lambda: harness.portal.get(3).properties.get(LEAD_STATUS) == wanted)
    value, _, source, _ = harness.portal.get(3).history[LEAD_STATUS][-1]
    assert (value, source) == (wanted, "CRM_UI")
    harness.settle(lambda: not tab.model.pending())
    assert index.data() == "Connected" if wanted == "CONNECTED" else "Bad Timing"


def test_a_refused_edit_goes_back_and_says_why(window, harness: Harness) -> None:
    tab = window.contacts_tab
    index = tab.model.index(0, STATUS)
    before = index.data()

    tab.model.setData(index, "NO_SUCH_OPTION")

    harness.settle(lambda: tab.message.is_error)
    assert "NO_SUCH_OPTION" in tab.message.text()
    assert index.data() == before
    assert not tab.model.pending()


def test_a_bulk_import_shares_one_timestamp(window, harness: Harness) -> None:
    tab = window.contacts_tab
    rows = range(4, 12)
    ids = [tab.model.contact(r).id for r in rows]
    statuses = {harness.portal.get(i).properties.get(LEAD_STATUS) for i in ids}
    wanted = next(v for _, v, _ in options(harness) if v not in statuses)
    selection = QItemSelection(
        tab.model.index(rows[0], 0), tab.model.index(rows[-1], 4)
    )
    tab.table.selectionModel().select(
        selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    assert tab.bulk_apply.text() == f"Apply to {len(ids)} selected"
    tab.bulk_status.setCurrentIndex(tab.bulk_status.findData(wanted))

    tab.bulk_apply.click()

    harness.settle(lambda: "all at one timestamp" in tab.message.text())
    contacts = [harness.portal.get(i) for i in ids]
    assert {c.properties[LEAD_STATUS] for c in contacts} == {wanted}
    assert len({c.properties["lastmodifieddate"] for c in contacts}) == 1
    assert {c.history[LEAD_STATUS][-1][2] for c in contacts} == {"IMPORT"}
    untouched = harness.portal.get(tab.model.contact(0).id)
    assert (
        untouched.properties["lastmodifieddate"]
        != contacts[0].properties["lastmodifieddate"]
    )
    label = next(lbl for lbl, value, _ in options(harness) if value == wanted)
    assert {tab.model.index(r, STATUS).data() for r in rows} == {label}


def test_search_uses_hubspot_search(window, harness: Harness) -> None:
    tab = window.contacts_tab
    email = harness.portal.get(7).properties["email"]

    tab.search.setText(email)

    harness.settle(lambda: tab.model.rowCount() == 1)
    assert tab.model.contact(0).id == "7"
    assert "of 1 matches" in tab.count.text()
    tab.search.clear()
    harness.settle(lambda: tab.model.rowCount() == 60)


def test_refreshing_shows_changes_made_elsewhere(window, harness: Harness) -> None:
    tab = window.contacts_tab
    current = harness.portal.get(1).properties.get(LEAD_STATUS)
    other = "OPEN_DEAL" if current != "OPEN_DEAL" else "NEW"
    harness.portal.update(1, {LEAD_STATUS: other}, "INTEGRATION")

    window.poll()

    harness.settle(lambda: tab.model.contact(0).lead_status == other)


def test_refreshing_leaves_an_open_editor_alone(window, harness: Harness) -> None:
    tab = window.contacts_tab
    index = tab.model.index(1, STATUS)
    tab.table.setCurrentIndex(index)
    tab.table.edit(index)
    editor = tab.table.indexWidget(index)
    editor.setCurrentIndex(editor.findData("UNQUALIFIED"))
    current = harness.portal.get(2).properties.get(LEAD_STATUS)
    other = "OPEN_DEAL" if current != "OPEN_DEAL" else "NEW"
    harness.portal.update(2, {LEAD_STATUS: other}, "INTEGRATION")

    window.poll()
    harness.settle(lambda: not window.tasks.busy)

    assert tab.table.indexWidget(index) is editor
    assert editor.currentData() == "UNQUALIFIED"
    assert tab.model.contact(1).lead_status == current
    editor.activated.emit(editor.currentIndex())
    harness.settle(
        lambda: harness.portal.get(2).properties[LEAD_STATUS] == "UNQUALIFIED"
    )


def test_options_add_rename_reorder_hide_delete(window, harness: Harness) -> None:
    tab = window.options_tab
    window.tabs.setCurrentWidget(tab)
    start = options(harness)

    tab.new_label.setText("Call back later")
    tab.add_button.click()
    harness.settle(
        lambda: options(harness)[-1] == ("Call back later", "CALL_BACK_LATER", False)
    )
    harness.settle(lambda: window.options_model.rowCount() == len(start) + 1)
    assert tab.new_label.text() == ""

    row = window.options_model.row_of("CALL_BACK_LATER")
    window.options_model.setData(window.options_model.index(row, LABEL), "Call back")
    harness.settle(lambda: options(harness)[-1][0] == "Call back")

    select_option(window, "CALL_BACK_LATER")
    tab.up_button.click()
    harness.settle(lambda: options(harness)[-2][1] == "CALL_BACK_LATER")
    harness.settle(lambda: tab.up_button.isEnabled())
    tab.up_button.click()  # the moved option stays selected
    harness.settle(lambda: options(harness)[-3][1] == "CALL_BACK_LATER")
    tab.down_button.click()
    harness.settle(lambda: options(harness)[-2][1] == "CALL_BACK_LATER")

    tab.hide_button.click()
    harness.settle(lambda: ("Call back", "CALL_BACK_LATER", True) in options(harness))
    harness.settle(lambda: tab.hide_button.text() == "Unhide")
    tab.hide_button.click()
    harness.settle(lambda: ("Call back", "CALL_BACK_LATER", False) in options(harness))

    tab.delete_button.click()
    assert tab.confirm.isVisible()
    assert "CALL_BACK_LATER" in tab.confirm_text.text()
    assert len(options(harness)) == len(start) + 1  # nothing gone yet
    tab.confirm_delete.click()
    harness.settle(lambda: options(harness) == start)
    harness.settle(lambda: window.options_model.row_of("CALL_BACK_LATER") is None)


def test_hubspot_refusals_are_shown_inline(window, harness: Harness) -> None:
    tab = window.options_tab
    start = options(harness)
    tab.new_label.setText("Another new")
    tab.new_value.setText("NEW")

    tab.add_button.click()

    harness.settle(lambda: tab.message.is_error)
    assert "400" in tab.message.text()
    assert "Duplicate option value: NEW" in tab.message.text()
    assert options(harness) == start


def test_a_hidden_option_is_offered_as_hidden(window, harness: Harness) -> None:
    select_option(window, "BAD_TIMING")
    window.options_tab.hide_button.click()
    harness.settle(lambda: ("Bad Timing", "BAD_TIMING", True) in options(harness))

    combo = window.contacts_tab.bulk_status
    harness.settle(lambda: combo.findText("Bad Timing (hidden)") == combo.count() - 1)


# -- faults --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "value", "expected", "words"),
    [
        ("rate_limit", 10, {"rate_limit": 10}, "rate limit 10 per 10 s"),
        ("error_rate", 25.0, {"error_rate": 0.25}, "errors 25 %"),
        ("latency_ms", 40, {"latency_ms": 40}, "latency 40 ms"),
        ("search_lag_ms", 3000, {"search_lag_ms": 3000}, "search lag 3,000 ms"),
        ("offline", True, {"offline": True}, "HubSpot offline"),
    ],
)
def test_each_fault_stays_visible_until_turned_off(
    window, harness: Harness, control: str, value: Any, expected: dict, words: str
) -> None:
    faults = window.faults_tab
    simulator(harness).settings = simulator(harness).settings.patched(
        {"rate_limit": 100}
    )
    faults.reload()
    harness.settle(lambda: faults.settings.rate_limit == 100)
    widget = getattr(faults, control)
    if control == "offline":
        widget.setChecked(value)
    else:
        widget.setValue(value)
    assert faults.dirty

    faults.apply_button.click()

    harness.settle(lambda: window.faults_bar.isVisible())
    settings = simulator(harness).settings.public()
    assert {k: settings[k] for k in expected} == expected
    assert words in window.faults_bar.text
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        assert window.faults_bar.isVisible()

    window.faults_bar.turn_off.click()

    harness.settle(lambda: not window.faults_bar.isVisible())
    assert FaultSettings.from_json(simulator(harness).settings.public()) == (
        FaultSettings(rate_limit=100)
    )


def test_faults_set_elsewhere_show_up(window, harness: Harness) -> None:
    sim = simulator(harness)
    window.poll_timer.setInterval(20)
    window.poll_timer.start()

    sim.settings = sim.settings.patched({"error_rate": 0.5, "latency_ms": 5})
    sim.apply_settings()

    harness.settle(lambda: window.faults_bar.isVisible())
    assert "errors 50 %" in window.faults_bar.text
    assert window.faults_tab.error_rate.value() == 50.0

    sim.settings = sim.settings.patched({"error_rate": 0.0, "latency_ms": 0})
    sim.apply_settings()
    harness.settle(lambda: not window.faults_bar.isVisible())


def test_a_poll_does_not_overwrite_an_unapplied_edit(window, harness) -> None:
    faults = window.faults_tab
    faults.latency_ms.setValue(250)

    faults.reload()
    harness.settle(lambda: not faults._reading)

    assert faults.latency_ms.value() == 250
    assert faults.dirty
    faults.revert_button.click()
    assert faults.latency_ms.value() == 0


def test_offline_hubspot_can_be_turned_back_on(window, harness: Harness) -> None:
    contacts = window.contacts_tab
    window.tabs.setCurrentWidget(window.faults_tab)
    window.faults_tab.offline.setChecked(True)
    window.faults_tab.apply_button.click()
    harness.settle(lambda: simulator(harness).settings.offline)
    harness.settle(lambda: "HubSpot offline" in window.faults_bar.text)

    contacts.reload()
    harness.settle(lambda: contacts.message.is_error)
    assert "503" in contacts.message.text()
    window.faults_tab.reload()  # the QA API still answers
    harness.settle(lambda: not window.faults_tab._reading)
    assert not window.faults_tab.message.is_error

    window.faults_bar.turn_off.click()
    harness.settle(lambda: not simulator(harness).settings.offline)
    harness.settle(lambda: not window.faults_bar.isVisible())
    window.tabs.setCurrentWidget(contacts)
    window.poll()  # retries the page that failed
    harness.settle(lambda: not contacts.message.isVisible())
    assert contacts.model.rowCount() == 60


def test_fault_settings_in_words() -> None:
    assert FaultSettings().in_force() == []
    assert FaultSettings(rate_limit=0, search_rate_limit=1).in_force() == []
    tight = FaultSettings(rate_limit=20, search_rate_limit=2, daily_limit=500)
    assert tight.in_force() == [
        "rate limit 20 per 10 s",
        "search limit 2/s",
        "daily limit 500",
    ]
    assert tight.all_off() == {
        "error_rate": 0.0,
        "latency_ms": 0,
        "search_lag_ms": 0,
        "offline": False,
        "rate_limit": 100,
        "search_rate_limit": 5,
        "daily_limit": 250_000,
    }


# -- a large portal ------------------------------------------------------------


def test_a_large_portal_loads_page_by_page(harness: Harness, qtbot) -> None:
    big = create_app(SimulatorConfig(token=TOKEN, contacts=5_000, rate_limit=0))
    window = open_window(harness, qtbot, big, poll_ms=600_000)
    try:
        model = window.contacts_tab.model
        harness.settle(lambda: not window.tasks.busy)
        first = model.rowCount()
        assert 100 <= first < 5_000
        assert window.contacts_tab.more_button.isVisible()

        window.contacts_tab.more_button.click()
        harness.settle(lambda: model.rowCount() == first + 100)

        window.contacts_tab.table.scrollToBottom()
        harness.settle(lambda: model.rowCount() >= first + 200)
        assert model.contact(model.rowCount() - 1).id == str(model.rowCount())
    finally:
        shut(harness, window)


# -- the main window's menu ----------------------------------------------------


def test_the_menu_item_needs_the_built_in_simulator(harness: Harness, qtbot) -> None:
    ctx = UiContext(harness.engine)
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    try:
        action = main.hubspot_window_action
        assert action.shortcut().toString() == "Ctrl+Shift+H"
        assert not action.isEnabled()
        assert action.toolTip() == NO_SIMULATOR_TIP
    finally:
        ctx.tasks.close()
        harness.run(ctx.tasks.wait_idle())
        ctx.events.detach()


@pytest.mark.loopback
@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform
def test_the_menu_opens_one_window(harness: Harness, qtbot) -> None:
    with LoopbackServer(harness.app) as server:
        built_in = SimpleNamespace(server=server, url=server.url, token=TOKEN)
        ctx = UiContext(harness.engine, simulator=built_in)  # type: ignore[arg-type]
        main = MainWindow(ctx)
        qtbot.addWidget(main)
        try:
            assert main.hubspot_window_action.isEnabled()
            main.hubspot_window_action.trigger()
            opened = main.findChildren(HubSpotWindow)
            assert len(opened) == 1
            portal = opened[0]
            assert portal.isVisible()
            assert portal.windowTitle() == f"HubSpot (simulator) — {server.url}"
            harness.settle(lambda: portal.contacts_tab.model.rowCount() == 60)

            portal.close()
            main.hubspot_window_action.trigger()
            assert main.findChildren(HubSpotWindow) == [portal]
            assert portal.isVisible()
        finally:
            ctx.tasks.close()
            harness.run(ctx.tasks.wait_idle())
            harness.run(portal.aclose())
            ctx.events.detach()
