"""The QA demo (docs/qa-demo.md), step by step, on the real widgets.

Each test is one numbered section of the demo checklist and is named in it
("Automated as"). Talk is the real ``MainWindow``; "HubSpot" is the real
``HubSpotWindow``, opened with the main window's Ctrl+Shift+H action and
talking to the harness's in-process simulator. HubSpot-side steps go
through the HubSpot window's own widgets (in-place edits, the options tab,
the faults tab); Talk-side steps through Talk's (the picker's number keys,
the direction radios, Sync now). What the tests check is what the person
watching the demo sees: widget texts, icons, tooltips, history rows,
banner text, sync-log lines — and that no dialog ever opens.

Nothing sleeps: every wait is ``harness.settle`` on a visible condition.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import stamina
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLineEdit,
)
from qa_demo_support import (
    FROM,
    HUBSPOT,
    OUTCOME,
    ROLE,
    STATUSES,
    SYNC_LOG,
    TO,
    WHAT,
    Demo,
    click,
    contact_with,
    dialogs,
    other_than,
)

from talkapp.store.models import DEFAULT_DIRECTION, Direction
from talkapp.store.sqlite import now_ms
from talkapp.sync.engine import Role
from talkapp.sync.webhooks import WebhookReceiver
from talkapp.ui.banner import ERROR, WARNING
from talkapp.ui.contact_model import DISPOSITION, SYNC
from talkapp.ui.hubspot_window.models import LABEL, STATUS
from talkapp.ui.icons import LOCK_NAME
from talkapp.ui.models import MANAGED
from talkapp.ui.status_model import LABEL as STATUS_LABEL
from talkapp.ui.status_model import LOCK, OFFERED, STATE

# The offscreen platform warns when a window is raised (Ctrl+Shift+H raises
# the HubSpot window); that is the test platform talking, not the app.
pytestmark = pytest.mark.qt_log_ignore("does not support raise")


def test_locked_statuses_cannot_be_changed_in_talk(demo: Demo, qtbot: Any) -> None:
    talk = demo.talk
    demo.open_contact(1)

    picker = talk.contacts_view.panel.offered
    assert picker.rowCount() == 8
    for row in range(picker.rowCount()):
        index = picker.index(row, 0)
        assert index.data(ROLE.DisplayRole).startswith(f"{row + 1}  ")
        assert index.data(ROLE.DecorationRole) is not None  # the lock icon
        assert index.data(ROLE.ToolTipRole) == MANAGED == "Managed in HubSpot"
        assert index.data(ROLE.AccessibleTextRole).endswith(LOCK_NAME)
        assert not picker.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert demo.cell(1, DISPOSITION, ROLE.ToolTipRole) == "Managed in HubSpot"
    assert demo.cell(1, DISPOSITION, ROLE.DecorationRole) is not None

    # Agents get no edit buttons at all.
    talk.show_view(STATUSES)
    statuses = talk.statuses_view
    demo.settle(lambda: statuses.model.rowCount() > 0 and not statuses.refresh_pending)
    assert not statuses.rename_button.isVisible()

    # Role → Admin, Statuses tab, click "New", Rename…, type, Enter.
    talk.role_actions[Role.ADMIN].trigger()
    assert "Admin mode" in talk.banner.text
    assert statuses.select_value("NEW")
    assert statuses.rename_button.isVisible()
    qtbot.mouseClick(statuses.rename_button, Qt.MouseButton.LeftButton)
    assert statuses.editor.isVisible()
    assert statuses.editor.prompt.text() == "Rename “New” (NEW) to:"
    statuses.editor.label_edit.setText("Fresh lead")
    qtbot.keyClick(statuses.editor.label_edit, Qt.Key.Key_Return)

    demo.settle(lambda: statuses.banner.isVisible() and demo.idle())
    assert statuses.banner.text == "Cannot rename “New”: it is managed in HubSpot."
    assert statuses.banner.property("kind") == ERROR

    # Remove is refused the same way.
    qtbot.mouseClick(statuses.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(statuses.editor.confirm, Qt.MouseButton.LeftButton)
    demo.settle(lambda: "Cannot remove" in statuses.banner.text and demo.idle())
    assert statuses.banner.text == "Cannot remove “New”: it is managed in HubSpot."

    demo.settle(lambda: not statuses.refresh_pending)
    assert demo.status_cell("NEW", STATUS_LABEL) == "New"
    assert demo.status_cell("NEW", LOCK, ROLE.ToolTipRole) == "Managed in HubSpot"
    assert demo.status_cell("NEW", LOCK, ROLE.AccessibleTextRole) == LOCK_NAME
    assert dialogs() == []


# -- 2. A rename arrives -----------------------------------------------------------


def test_a_rename_in_hubspot_arrives_in_talk(demo: Demo) -> None:
    talk, hubspot = demo.talk, demo.hubspot
    contact = contact_with(demo.harness, "NEW")

    # HubSpot window → Lead statuses: click "New", Rename, type, Enter.
    demo.select_option("NEW")
    options = hubspot.options_tab
    options.rename_button.click()
    index = hubspot.options_model.index(hubspot.options_model.row_of("NEW"), LABEL)
    editor = options.table.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    demo.qtbot.keyClicks(editor, "Fresh lead")
    demo.qtbot.keyClick(editor, Qt.Key.Key_Return)
    demo.settle(
        lambda: "Renamed NEW to Fresh lead" in hubspot.options_tab.message.text()
    )

    demo.sync_now()  # F5 in Talk (it also polls the list every 2 s)

    demo.open_contact(contact.id)
    demo.settle(lambda: demo.cell(contact.id, DISPOSITION) == "Fresh lead")
    assert demo.cell(contact.id, DISPOSITION, ROLE.ToolTipRole) == "Managed in HubSpot"
    picker = talk.contacts_view.panel.offered
    first = picker.index(0, 0)
    assert first.data() == "1  Fresh lead"
    assert first.data(ROLE.ToolTipRole) == "Managed in HubSpot"
    stored = demo.harness.run(demo.stored(contact.id))
    assert stored.disposition == "NEW"  # keyed by the value, never the label

    talk.show_view(STATUSES)
    demo.settle(lambda: demo.status_cell("NEW", STATUS_LABEL) == "Fresh lead")
    assert demo.status_cell("NEW", LOCK, ROLE.AccessibleTextRole) == LOCK_NAME

    talk.show_view(SYNC_LOG)
    demo.settle(
        lambda: "HubSpot renamed “New” to “Fresh lead” (NEW)." in demo.log_lines()
    )


# -- 3. A deletion and a hide arrive -----------------------------------------------


def test_a_deletion_detaches_and_a_hide_stops_offering(demo: Demo) -> None:
    talk, options = demo.talk, demo.hubspot.options_tab
    opened = contact_with(demo.harness, "OPEN")
    bad_timing = demo.harness.run(demo.harness.engine.contact(1))
    # No seed contact has Bad Timing: give contact 1 it first, in HubSpot.
    demo.hubspot_edit(bad_timing.hubspot_id, "BAD_TIMING")
    demo.sync_now()
    demo.settle(lambda: demo.cell(bad_timing.id, DISPOSITION) == "Bad Timing")

    # HubSpot window → Lead statuses: "Bad Timing", Delete…, Delete.
    demo.select_option("BAD_TIMING")
    options.delete_button.click()
    assert "Contacts keep the value" in options.confirm_text.text()
    options.confirm_delete.click()
    demo.settle(lambda: demo.hubspot.options_model.row_of("BAD_TIMING") is None)
    # … then "Open", Hide.
    demo.select_option("OPEN")
    options.hide_button.click()
    demo.settle(lambda: options.hide_button.text() == "Unhide" and demo.idle())

    demo.sync_now()

    # The picker no longer offers either.
    demo.open_contact(bad_timing.id)
    demo.settle(lambda: "OPEN" not in demo.offered())
    assert "BAD_TIMING" not in demo.offered()
    assert len(demo.offered()) == 6
    # Contacts keep both; the deleted one lost its lock, the hidden one has it.
    assert demo.cell(bad_timing.id, DISPOSITION) == "Bad Timing"
    assert demo.cell(bad_timing.id, DISPOSITION, ROLE.DecorationRole) is None
    assert demo.cell(bad_timing.id, DISPOSITION, ROLE.ToolTipRole) is None
    assert demo.cell(opened.id, DISPOSITION) == "Open"
    assert demo.cell(opened.id, DISPOSITION, ROLE.DecorationRole) is not None
    # The Disposition filter still lists Bad Timing, now without the lock.
    contacts = talk.contacts_view
    choice = contacts.disposition_filter.findData("BAD_TIMING")
    assert contacts.disposition_filter.itemIcon(choice).isNull()
    contacts.disposition_filter.setCurrentIndex(choice)
    shown = [contacts.model.contact(r) for r in range(contacts.model.rowCount())]
    assert bad_timing.id in [c.id for c in shown]
    assert {c.disposition for c in shown} == {"BAD_TIMING"}
    contacts.disposition_filter.setCurrentIndex(0)
    # In the HubSpot window the value now matches no option.
    tab = demo.hubspot.contacts_tab
    row = tab.model.row_of(bad_timing.hubspot_id)
    assert tab.model.index(row, STATUS).data() == "Unknown (BAD_TIMING)"

    talk.show_view(STATUSES)
    demo.settle(lambda: demo.status_cell("BAD_TIMING", STATE) == "detached")
    assert demo.status_cell("BAD_TIMING", LOCK, ROLE.DecorationRole) is None
    assert demo.status_cell("BAD_TIMING", OFFERED) == "no"
    assert "Deleted in HubSpot" in demo.status_cell(
        "BAD_TIMING", STATE, ROLE.ToolTipRole
    )
    assert demo.status_cell("OPEN", STATE) == "hidden"
    assert demo.status_cell("OPEN", OFFERED) == "no"
    assert demo.status_cell("OPEN", LOCK, ROLE.AccessibleTextRole) == LOCK_NAME

    talk.show_view(SYNC_LOG)
    demo.settle(lambda: any("HubSpot deleted" in line for line in demo.log_lines()))
    lines = demo.log_lines()
    assert (
        "HubSpot deleted the lead status “Bad Timing” (BAD_TIMING); it is detached "
        "in Talk: contacts keep it, it is no longer locked or offered."
    ) in lines
    assert "HubSpot hid the lead status “Open” (OPEN)." in lines


# -- 4. One-way: a local change is replaced by HubSpot's next change ----------------


def test_a_one_way_change_is_replaced_by_hubspots_next_change(
    demo: Demo, webhooks: WebhookReceiver
) -> None:
    talk, harness = demo.talk, demo.harness
    contact = harness.run(harness.engine.contact(3))
    local = other_than(contact.disposition)
    hubspot = other_than(contact.disposition, local)

    demo.pick(contact.id, local)

    panel = talk.contacts_view.panel
    assert "One-way sync (HubSpot → Talk)" in panel.mode_note.text()
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Local only")
    assert "HubSpot's next change to this contact replaces it" in demo.cell(
        contact.id, SYNC, ROLE.ToolTipRole
    )
    demo.settle(lambda: len(demo.history()) == 1)
    assert demo.history()[0][WHAT - 1] == "Set by an agent"
    assert "Kept in Talk only" in demo.history()[0][OUTCOME - 1]
    assert demo.portal_value(contact.hubspot_id) == contact.disposition  # not sent

    last_sync = harness.run(harness.engine.integration()).last_sync_at
    started = time.monotonic()
    demo.hubspot_edit(contact.hubspot_id, hubspot)  # HubSpot's next change

    demo.settle(
        lambda: (
            demo.cell(contact.id, SYNC) == "Synced"
            and panel.contact.disposition == hubspot
            and len(demo.history()) == 2
        ),
        timeout=5,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"HubSpot's change took {elapsed:.2f} s to show"
    assert harness.run(harness.engine.integration()).last_sync_at == last_sync
    what, old, new, by, outcome = demo.history()[-1]
    assert (what, by) == ("Replaced by HubSpot", "HubSpot")
    assert outcome.startswith("Talk-only value")
    assert (old, new) == (
        talk.contacts_view.model.label(local),
        talk.contacts_view.model.label(hubspot),
    )

    talk.show_view(SYNC_LOG)
    demo.settle(
        lambda: any(
            f"replaced the Talk-only disposition “{local}” on contact {contact.id}"
            in line
            for line in demo.log_lines()
        )
    )


# -- 5. Two-way: a round trip ------------------------------------------------------


def test_a_two_way_change_makes_the_round_trip(demo: Demo) -> None:
    talk, harness = demo.talk, demo.harness
    demo.choose_direction(Direction.TWO_WAY)
    assert "Direction: HubSpot ↔ Talk" in talk.summary.text()
    contact = harness.run(harness.engine.contact(4))
    value = other_than(contact.disposition)

    demo.pick(contact.id, value)

    panel = talk.contacts_view.panel
    assert panel.mode_note.text().startswith("Two-way sync: your change is sent")
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Pending")
    assert "Sending…" in panel.mode_note.text()
    demo.settle(lambda: len(demo.history()) == 1)
    assert demo.history()[0][OUTCOME - 1] == "Queued for HubSpot (two-way sync)"

    demo.sync_now()  # in the app the engine sends it at once; F5 is the same

    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Synced")
    demo.settle(lambda: len(demo.history()) == 2)
    what, _, new, by, outcome = demo.history()[-1]
    assert (what, by, outcome) == ("Sent to HubSpot", "sync", "Sent to HubSpot")
    assert new == talk.contacts_view.model.label(value)
    assert demo.portal_value(contact.hubspot_id) == value

    # The HubSpot window shows it at its next poll (every 2 s in the app).
    tab = demo.hubspot.contacts_tab
    demo.hubspot.tabs.setCurrentWidget(tab)
    demo.hubspot.poll()
    row = tab.model.row_of(contact.hubspot_id)
    demo.settle(lambda: tab.model.contact(row).lead_status == value)
    assert tab.model.index(row, STATUS).data() == talk.contacts_view.model.label(value)
    assert "No problems" in talk.summary.text()


# -- 6. The unsupported direction ---------------------------------------------------


def test_talk_to_hubspot_alone_is_not_supported(demo: Demo, qtbot: Any) -> None:
    talk = demo.talk
    view = talk.integration_view
    talk.show_view(HUBSPOT)
    demo.settle(lambda: view.integration is not None and demo.idle())
    unsupported = view.direction_radios[Direction.TALK_TO_HUBSPOT]

    assert unsupported.text() == "Talk → HubSpot: not supported"
    assert not unsupported.isEnabled()
    assert unsupported.toolTip().startswith("Not supported: HubSpot stays the source")
    click(qtbot, unsupported)

    assert not unsupported.isChecked()
    assert view.direction_radios[DEFAULT_DIRECTION].isChecked()
    assert view.direction_radios[DEFAULT_DIRECTION].text() == (
        "HubSpot → Talk (default)"
    )
    assert demo.idle()  # nothing was asked of the engine
    assert demo.harness.run(demo.harness.engine.direction()) is DEFAULT_DIRECTION
    assert "Direction: HubSpot → Talk" in talk.summary.text()


# -- 7. Reconnecting resets the direction ------------------------------------------


def test_reconnecting_resets_the_direction_and_cancels_pushes(
    demo: Demo, qtbot: Any
) -> None:
    talk, harness = demo.talk, demo.harness
    view = talk.integration_view
    demo.choose_direction(Direction.TWO_WAY)
    demo.set_faults(offline=True)  # so the change below waits in the queue
    contact = harness.run(harness.engine.contact(5))
    value = other_than(contact.disposition)
    demo.pick(contact.id, value)
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Pending")

    talk.show_view(HUBSPOT)
    qtbot.mouseClick(view.disconnect_button, Qt.MouseButton.LeftButton)
    demo.settle(lambda: view.state_label.text().startswith("Disconnected"))
    demo.hubspot.faults_bar.turn_off.click()
    demo.settle(lambda: not demo.hubspot.faults_bar.isVisible() and demo.idle())
    assert view.simulator_radio.isChecked()
    assert view.connect_button.text() == "Reconnect"
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)

    demo.settle(lambda: view.state_label.text() == "Connected" and demo.idle())
    assert talk.banner.isVisible()
    assert talk.banner.property("kind") == WARNING
    assert talk.banner.text == (
        "Reconnected: sync direction reset to HubSpot → Talk. "
        "Two-way sync has to be turned on again if you want it."
    )
    assert view.direction_radios[DEFAULT_DIRECTION].isChecked()
    assert "reset to HubSpot → Talk" in view.direction_reset_label.text()
    demo.settle(lambda: "Direction: HubSpot → Talk" in talk.summary.text())

    demo.open_contact(contact.id)
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Local only")
    demo.settle(lambda: len(demo.history()) == 2)
    what, _, new, by, outcome = demo.history()[-1]
    assert (what, by) == ("Not sent (cancelled)", "sync")
    assert new == talk.contacts_view.model.label(value)
    assert outcome == (
        "Not sent to HubSpot: the integration was (re)connected; kept in Talk only"
    )
    assert demo.portal_value(contact.hubspot_id) == contact.disposition

    talk.show_view(SYNC_LOG)
    demo.settle(lambda: any("on reconnect" in line for line in demo.log_lines()))
    lines = demo.log_lines()
    assert (
        "Sync direction reset to HubSpot → Talk on reconnect (was HubSpot ↔ Talk)."
    ) in lines
    assert (
        f"Cancelled the queued change of contact {contact.id} to “{value}” (the "
        "integration was (re)connected); it is kept in Talk only."
    ) in lines
    assert dialogs() == []


# -- 8. Conflicts: the most recent change wins ---------------------------------------


def test_in_a_conflict_the_most_recent_change_wins(
    demo: Demo, webhooks: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    talk, harness = demo.talk, demo.harness
    label = talk.contacts_view.model.label
    demo.choose_direction(Direction.TWO_WAY)
    demo.set_faults(offline=True)  # Talk's changes wait; HubSpot's still happen

    # Contact A: Talk first, HubSpot later → HubSpot wins.
    first = harness.run(harness.engine.contact(6))
    agents = other_than(first.disposition)
    hubspots = other_than(first.disposition, agents)
    demo.pick(first.id, agents)
    demo.settle(lambda: demo.cell(first.id, SYNC) == "Pending")
    queued = harness.run(demo.stored(first.id)).disposition_at
    demo.settle(lambda: now_ms() > queued)
    demo.hubspot_edit(first.hubspot_id, hubspots)

    # Contact B: Talk, then HubSpot, then Talk again → Talk's (latest) wins.
    second = harness.run(harness.engine.contact(7))
    early = other_than(second.disposition)
    theirs = other_than(second.disposition, early)
    latest = other_than(second.disposition, early, theirs)
    demo.pick(second.id, early)
    demo.settle(lambda: demo.cell(second.id, SYNC) == "Pending")
    demo.hubspot_edit(second.hubspot_id, theirs)
    changed = harness.portal.get(second.hubspot_id).updated_ms
    demo.settle(lambda: now_ms() > changed)
    demo.pick(second.id, latest)
    demo.settle(lambda: demo.cell(second.id, SYNC) == "Pending")
    # HubSpot's webhooks arrived, but a change Talk still has to send is
    # not overwritten by them: the next sync decides.
    harness.run(harness.app.state.simulator.webhooks.drain())
    demo.settle(lambda: webhooks.applied == webhooks.accepted >= 1)
    assert demo.cell(first.id, DISPOSITION) == label(agents)
    assert demo.cell(first.id, SYNC) == "Pending"

    demo.hubspot.faults_bar.turn_off.click()
    demo.settle(lambda: not demo.hubspot.faults_bar.isVisible() and demo.idle())
    demo.sync_now()

    demo.open_contact(first.id)
    demo.settle(lambda: demo.cell(first.id, SYNC) == "Synced")
    demo.settle(lambda: demo.history()[-1][WHAT - 1] == "HubSpot's newer change won")
    assert demo.cell(first.id, DISPOSITION) == label(hubspots)
    _, old, new, by, outcome = demo.history()[-1]
    assert (old, new, by) == (label(agents), label(hubspots), "HubSpot")
    assert "the agent's value was not sent" in outcome
    assert demo.portal_value(first.hubspot_id) == hubspots

    demo.open_contact(second.id)
    demo.settle(lambda: demo.cell(second.id, SYNC) == "Synced")
    demo.settle(lambda: demo.history()[-1][WHAT - 1] == "Sent to HubSpot")
    assert demo.cell(second.id, DISPOSITION) == label(latest)
    _, old, new, by, outcome = demo.history()[-1]
    assert (old, new) == (label(theirs), label(latest))
    assert f"it replaced HubSpot's “{theirs}”" in outcome
    assert demo.portal_value(second.hubspot_id) == latest

    won = (
        f"Contact {first.id}: HubSpot's newer lead status “{hubspots}” won over the "
        f"agent's “{agents}”, which was not sent."
    )
    replaced = (
        f"Contact {second.id}: the agent's more recent change “{latest}” replaced "
        f"HubSpot's “{theirs}”."
    )
    talk.show_view(SYNC_LOG)
    demo.settle(lambda: won in demo.log_lines())
    assert replaced in demo.log_lines()

    # A tie (the same millisecond on both sides) goes to HubSpot. Nobody can
    # click that fast: both clocks are frozen at one instant.
    third = harness.run(harness.engine.contact(8))
    mine = other_than(third.disposition)
    tie = other_than(third.disposition, mine)
    instant = now_ms()
    with monkeypatch.context() as frozen:
        frozen.setattr("talkapp.sync.engine.now_ms", lambda: instant)
        frozen.setattr(harness.portal, "_clock", lambda: instant)
        demo.set_faults(offline=True)
        demo.pick(third.id, mine)
        demo.settle(lambda: demo.cell(third.id, SYNC) == "Pending")
        demo.hubspot_edit(third.hubspot_id, tie)
        assert harness.portal.get(third.hubspot_id).updated_ms == instant
        assert harness.run(demo.stored(third.id)).disposition_at == instant
        demo.hubspot.faults_bar.turn_off.click()
        demo.settle(lambda: not demo.hubspot.faults_bar.isVisible() and demo.idle())
        demo.sync_now()
    demo.open_contact(third.id)
    demo.settle(lambda: demo.cell(third.id, SYNC) == "Synced")
    demo.settle(lambda: demo.history()[-1][WHAT - 1] == "HubSpot's newer change won")
    assert demo.cell(third.id, DISPOSITION) == label(tie)
    assert demo.history()[-1][FROM - 1 : TO] == (label(mine), label(tie))
    assert demo.portal_value(third.hubspot_id) == tie
    assert dialogs() == []


# -- 9. Faults and recovery ---------------------------------------------------------


def test_faults_show_once_and_talk_recovers(demo: Demo) -> None:
    talk, harness, hubspot = demo.talk, demo.harness, demo.hubspot
    demo.choose_direction(Direction.TWO_WAY)
    demo.set_faults(offline=True)
    demo.settle(lambda: hubspot.faults_bar.isVisible())
    assert hubspot.faults_bar.text == "Faults in force: HubSpot offline"
    contact = harness.run(harness.engine.contact(9))
    value = other_than(contact.disposition)
    demo.pick(contact.id, value)
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Pending")

    # Offline: three presses of F5, one banner that counts them.
    offline = (
        "Sync failed: HubSpot is unavailable at http://simulator.test: "
        "503 Service Unavailable (HubSpot is temporarily unavailable)"
    )
    counted: list[tuple[str, str]] = []  # (what the banner says, what it should)
    for presses in range(1, 4):
        demo.sync_now()
        want = offline if presses == 1 else f"{offline} (×{presses})"
        counted.append((talk.banner.text, want))
        assert talk.banner.text.startswith(offline)
    assert talk.banner.isVisible()
    assert talk.banner.property("kind") == ERROR
    assert dialogs() == []
    demo.settle(
        lambda: "Problems: 1 pending · last sync failed:" in talk.summary.text()
    )

    # Error rate 100 %: the banner now says so (and starts counting again).
    demo.set_faults(offline=False, error_rate=100.0)
    assert hubspot.faults_bar.text == "Faults in force: errors 100 %"
    demo.sync_now()
    assert talk.banner.text.startswith("Sync failed: HubSpot is unavailable")
    assert "(The server encountered a temporary error)" in talk.banner.text
    counted.append((talk.banner.text, talk.banner.text.split(" (×")[0]))

    # HubSpot's daily quota used up: refused at once, no retries. (The app's
    # simulator runs at HubSpot's 100 per 10 s; this one starts with limits
    # off, and a daily limit only counts while limits are on.)
    demo.set_faults(error_rate=0.0, rate_limit=100, daily_limit=1)
    assert hubspot.faults_bar.text == "Faults in force: daily limit 1"
    demo.sync_now()
    daily = (
        "Sync failed: HubSpot's daily API limit for this token is used up (429 DAILY)"
    )
    assert talk.banner.text.startswith(daily)
    counted.append((talk.banner.text, daily))

    # The 10-second limit at 1 request: Talk waits and retries each 429 as
    # HubSpot asks (about 20 s in all) before it gives up; the test skips
    # those waits.
    demo.set_faults(daily_limit=250_000, rate_limit=1)
    assert hubspot.faults_bar.text == "Faults in force: rate limit 1 per 10 s"
    stamina.set_testing(True, attempts=2)
    try:
        demo.sync_now()
    finally:
        stamina.set_testing(False)
    limited = (
        "Sync failed: HubSpot's rate limit was hit and retries ran out "
        "(TEN_SECONDLY_ROLLING)"
    )
    assert talk.banner.text.startswith(limited)
    counted.append((talk.banner.text, limited))
    assert dialogs() == []

    # Through all of it the change stayed queued, unsent.
    assert demo.cell(contact.id, SYNC) == "Pending"
    assert demo.portal_value(contact.hubspot_id) == contact.disposition
    talk.show_view(HUBSPOT)
    view = talk.integration_view
    demo.settle(lambda: view.pending_label.text() == "1" and demo.idle())
    assert ": failed: " in view.last_sync_label.text()

    # Turn all off, F5: recovered.
    hubspot.faults_bar.turn_off.click()
    demo.settle(lambda: not hubspot.faults_bar.isVisible() and demo.idle())
    demo.sync_now()
    demo.settle(lambda: demo.cell(contact.id, SYNC) == "Synced")
    assert demo.portal_value(contact.hubspot_id) == value
    demo.settle(lambda: "No problems" in talk.summary.text())
    demo.settle(lambda: view.pending_label.text() == "0")
    demo.settle(lambda: view.last_sync_label.text().endswith(": OK"))
    recovered_banner = talk.banner.text if talk.banner.isVisible() else ""
    assert dialogs() == []

    # The two checks below fail today: both are bugs in talkapp/ui/main_window.py.
    problems = []
    # 1. One failed F5 is counted twice: the engine's sync_failed event
    #    (_on_events_sync_failed) and the task runner's failure of the same
    #    "Sync" task (_on_tasks_failed) both put "Sync failed: <reason>" in
    #    the banner, so the first press already reads "(×2)".
    if any(shown != wanted for shown, wanted in counted):
        problems.append(
            "each failed Sync now must count once in the banner:\n"
            + "\n".join(f"  shown {s!r}\n  want  {w!r}" for s, w in counted)
        )
    # 2. After recovery the red "Sync failed" banner still stands, while the
    #    status bar says "No problems": a successful sync never clears it.
    if recovered_banner.startswith("Sync failed"):
        problems.append(
            f"after a successful sync the banner still says {recovered_banner!r}"
        )
    assert not problems, "\n".join(problems)
