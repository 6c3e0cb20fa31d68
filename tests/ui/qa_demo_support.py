"""The QA demo tests' rig: Talk's main window beside the HubSpot window,
wired to the UI harness's simulator, and the helpers the demo steps share."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QMessageBox,
)
from ui_harness import Harness

from talkapp.store.models import Direction
from talkapp.sync.webhooks import WebhookReceiver
from talkapp.ui.context import UiContext
from talkapp.ui.hubspot_window import HubSpotWindow
from talkapp.ui.hubspot_window.models import STATUS
from talkapp.ui.main_window import MainWindow

SIM_URL = "http://simulator.test"
TOKEN = "sim-token"
LEAD_STATUS = "hs_lead_status"
CONTACTS, STATUSES, HUBSPOT, SYNC_LOG = range(4)  # Talk's tabs, Ctrl+1 … Ctrl+4
ROLE = Qt.ItemDataRole
WHAT, FROM, TO, BY, OUTCOME = range(1, 6)  # the history table's columns


@dataclass
class Demo:
    """Talk's main window and the HubSpot window beside it, on one portal."""

    harness: Harness
    talk: MainWindow
    hubspot: HubSpotWindow
    qtbot: Any

    # -- reading what the viewer sees -------------------------------------------

    def settle(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        self.harness.settle(predicate, timeout)

    def idle(self) -> bool:
        return not self.talk.ctx.tasks.busy

    def row_of(self, contact_id: int) -> int:
        row = self.talk.contacts_view.model.row_of(contact_id)
        assert row is not None, contact_id
        return row

    def cell(self, contact_id: int, column: int, role: int = ROLE.DisplayRole) -> Any:
        model = self.talk.contacts_view.model
        return model.index(self.row_of(contact_id), column).data(role)

    def history(self) -> list[tuple[str, ...]]:
        """The open contact's history rows: what, from, to, by, outcome."""
        model = self.talk.contacts_view.panel.history
        return [
            tuple(model.index(row, column).data() for column in range(1, 6))
            for row in range(model.rowCount())
        ]

    def offered(self) -> list[str]:
        """The picker's values, in its order (1–9 pick these)."""
        model = self.talk.contacts_view.panel.offered
        return [model.status(row).value for row in range(model.rowCount())]

    def status_cell(self, value: str, column: int, role: int = ROLE.DisplayRole):
        """A cell of the Statuses tab's row for ``value`` (None: no such row)."""
        model = self.talk.statuses_view.model
        row = model.row_of(value)
        return None if row is None else model.index(row, column).data(role)

    def log_lines(self) -> list[str]:
        return [entry.message for entry in self.talk.log_view.model.entries()]

    def portal_value(self, hubspot_id: str) -> str | None:
        return self.harness.portal.get(hubspot_id).properties.get(LEAD_STATUS)

    async def stored(self, contact_id: int) -> Any:
        return await self.harness.engine.contact(contact_id)

    # -- Talk's clicks and keys -------------------------------------------------

    def open_contact(self, contact_id: int) -> None:
        """Contacts tab, click the contact's row, Enter (to the picker)."""
        view = self.talk.contacts_view
        self.talk.show_view(CONTACTS)
        view.table.selectRow(self.row_of(contact_id))
        self.settle(
            lambda: (
                view.panel.contact is not None
                and view.panel.contact.id == contact_id
                and self.idle()
            )
        )
        self.qtbot.keyClick(view.table, Qt.Key.Key_Return)

    def press_number_for(self, value: str) -> None:
        """Press the picker's number key for ``value`` (1–9)."""
        picker = self.talk.contacts_view.panel.picker
        number = self.offered().index(value) + 1
        assert number <= 9, value
        self.qtbot.keyClick(picker, str(number))

    def pick(self, contact_id: int, value: str) -> None:
        self.open_contact(contact_id)
        self.press_number_for(value)

    def sync_now(self) -> None:
        """F5 (Sync → Sync now); returns once that sync has ended."""
        ended: list[object] = []
        events = self.talk.ctx.events
        record = ended.append
        events.sync_finished.connect(record)
        events.sync_failed.connect(record)
        try:
            self.talk.sync_now_action.trigger()
            self.settle(lambda: ended and self.idle())
        finally:
            events.sync_finished.disconnect(record)
            events.sync_failed.disconnect(record)

    def choose_direction(self, direction: Direction) -> None:
        """HubSpot tab, click a direction radio."""
        view = self.talk.integration_view
        self.talk.show_view(HUBSPOT)
        self.settle(lambda: view.integration is not None and self.idle())
        click(self.qtbot, view.direction_radios[direction])
        self.settle(lambda: view.integration.direction is direction and self.idle(), 10)

    # -- the HubSpot window's clicks --------------------------------------------

    def hubspot_edit(self, hubspot_id: str, value: str) -> None:
        """Contacts tab of the HubSpot window: double-click the contact's lead
        status, choose ``value`` in the combo (a CRM_UI change)."""
        tab = self.hubspot.contacts_tab
        self.hubspot.tabs.setCurrentWidget(tab)
        row = tab.model.row_of(hubspot_id)
        assert row is not None, hubspot_id
        index = tab.model.index(row, STATUS)
        tab.table.scrollTo(index)
        tab.table.setCurrentIndex(index)
        tab.table.edit(index)
        editor = tab.table.indexWidget(index)
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(editor.findData(value))
        editor.activated.emit(editor.currentIndex())
        self.settle(lambda: self.portal_value(hubspot_id) == value)
        self.settle(lambda: not tab.model.pending())

    def select_option(self, value: str) -> None:
        """Lead statuses tab of the HubSpot window: click the option's row."""
        self.hubspot.tabs.setCurrentWidget(self.hubspot.options_tab)
        model = self.hubspot.options_model
        row = model.row_of(value)
        assert row is not None, value
        self.hubspot.options_tab.table.selectRow(row)

    def set_faults(self, **controls: Any) -> None:
        """Faults tab of the HubSpot window: change the controls, Apply."""
        faults = self.hubspot.faults_tab
        self.hubspot.tabs.setCurrentWidget(faults)
        for name, value in controls.items():
            widget = getattr(faults, name)
            if name == "offline":
                widget.setChecked(value)
            else:
                widget.setValue(value)
        faults.apply_button.click()
        self.settle(lambda: not faults.dirty and self.idle())


def click(qtbot: Any, button: Any) -> None:
    """A left click on a button's own label (a radio's row is wider)."""
    qtbot.mouseClick(
        button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2)
    )


def dialogs() -> list[Any]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog | QMessageBox) and w.isVisible()
    ]


@pytest.fixture
def demo(harness: Harness, qtbot: Any) -> Iterator[Demo]:
    """Talk on the harness's connected, synced 60-contact portal, and the
    HubSpot window opened beside it with Ctrl+Shift+H."""
    built_in = SimpleNamespace(server=object(), url=SIM_URL, token=TOKEN)
    ctx = UiContext(harness.engine, simulator=built_in)  # type: ignore[arg-type]
    talk = MainWindow(ctx)
    qtbot.addWidget(talk)
    talk.resize(1280, 800)
    talk.show()
    # The app builds this window on the loopback simulator's URL; here it is
    # the same window on the in-process simulator, made first so the menu
    # action finds it (HubSpotWindow.open_for) and shows it.
    portal = HubSpotWindow(
        SIM_URL,
        TOKEN,
        ctx.tasks,
        talk,
        transport=httpx.ASGITransport(app=harness.app),
        poll_ms=600_000,  # the demo's 2-s polling is replaced by explicit waits
    )
    talk.hubspot_window_action.trigger()  # H&ubSpot simulator → Open HubSpot window
    assert talk.hubspot_window_action.shortcut().toString() == "Ctrl+Shift+H"
    assert talk.findChildren(HubSpotWindow) == [portal]
    assert portal.isVisible()
    demo = Demo(harness, talk, portal, qtbot)
    demo.settle(
        lambda: (
            talk.contacts_view.loaded
            and talk.contacts_view.model.total() == 60
            and portal.contacts_tab.model.rowCount() == 60
            and portal.options_model.rowCount() > 0
            and portal.faults_tab.settings is not None
            and demo.idle()
        )
    )
    yield demo
    ctx.tasks.close()
    harness.run(ctx.tasks.wait_idle())
    harness.run(portal.aclose())
    ctx.events.detach()


@pytest.fixture
def webhooks(harness: Harness) -> Iterator[WebhookReceiver]:
    """HubSpot's webhooks, wired as the app's Session does: a receiver on
    loopback handing lead-status events to the engine, and the simulator
    delivering to it."""
    secret = secrets.token_urlsafe(32)
    receiver = WebhookReceiver(
        secret, harness.engine.apply_webhook_events, harness.loop
    )
    receiver.start()
    simulator = harness.app.state.simulator
    simulator.set_webhook(receiver.url, secret)
    try:
        yield receiver
    finally:
        if simulator.webhooks is not None:
            harness.run(simulator.webhooks.aclose())
        simulator.set_webhook(None, "")
        receiver.stop()


def contact_with(harness: Harness, value: str) -> Any:
    contacts = harness.run(harness.engine.contacts())
    return next(c for c in contacts if c.disposition == value)


def other_than(*values: str | None) -> str:
    choices = ["CONNECTED", "UNQUALIFIED", "IN_PROGRESS", "NEW", "OPEN_DEAL"]
    return next(v for v in choices if v not in values)


# -- 1. Locked statuses ------------------------------------------------------------
