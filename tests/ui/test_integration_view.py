"""The HubSpot panel against a real engine on the in-process simulator."""

from __future__ import annotations

from typing import Any

import pytest
from integration_fixtures import (
    READ_ONLY_TOKEN,
    SIM_URL,
    TOKEN,
    UNREACHABLE_URL,
    Rig,
    rig,
    rig_loop,
)
from PySide6.QtCore import Qt

from talkapp.store.models import DEFAULT_DIRECTION, Direction
from talkapp.ui.integration_view import IntegrationView

__all__ = ["rig", "rig_loop"]  # fixtures, used by name

# WORKAROUND: Qt's offscreen platform warns on every top-level show(); it is
# the test platform talking, not the view (QTBUG-66316 era behaviour).
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def open_view(rig: Rig) -> IntegrationView:
    view = IntegrationView(rig.ctx)
    rig.show(view)
    rig.settle(lambda: view.integration is not None)
    return view


def connected_view(rig: Rig) -> IntegrationView:
    rig.connect()
    rig.sync()
    view = open_view(rig)
    rig.settle(lambda: view.integration.connected)
    return view


def connect_with(
    rig: Rig, qtbot: Any, view: IntegrationView, url: str, token: str
) -> str:
    """Fill the portal form, press Connect; the engine's inline error, if any."""
    view.portal_radio.setChecked(True)
    view.url_edit.setText(url)
    view.token_edit.setText(token)
    outcome: list[str] = []
    view.connected.connect(lambda _: outcome.append(""))
    view.connect_failed.connect(outcome.append)
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    assert view.connect_button.text() == "Checking…"
    assert not view.connect_button.isEnabled()
    rig.settle(lambda: bool(outcome))
    rig.idle()
    return outcome[0]


def click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- state ----------------------------------------------------------------------


def test_never_connected_panel_offers_only_connecting(rig: Rig, qtbot: Any) -> None:
    view = open_view(rig)

    assert view.state_label.text() == "Not connected yet"
    assert view.next_sync_label.text() == "When connected"
    assert view.last_sync_label.text() == "Never"
    assert not view.sync_button.isEnabled()
    assert not view.disconnect_button.isEnabled()
    assert view.connect_button.text() == "Connect"
    assert view.direction_radios[DEFAULT_DIRECTION].isChecked()


def test_connecting_to_the_built_in_simulator_shows_the_portal(
    rig: Rig, qtbot: Any
) -> None:
    view = open_view(rig)
    assert view.simulator_radio.isChecked()
    assert not view.token_edit.isEnabled()

    rig.wait_for(view.connected, view.submit_connection)
    rig.settle(lambda: view.state_label.text() == "Connected")

    assert view.url_label.text() == f"{SIM_URL} (built-in simulator)"
    assert view.portal_label.text() == str(rig.app.state.simulator.config.portal_id)
    assert view.sync_button.isEnabled()
    assert view.connect_button.text() == "Reconnect"
    assert view.connection_info.isVisible()


def test_portal_connection_clears_the_token(rig: Rig, qtbot: Any) -> None:
    view = open_view(rig)

    assert connect_with(rig, qtbot, view, SIM_URL, TOKEN) == ""

    assert view.token_edit.text() == ""
    assert view.token_edit.echoMode() == view.token_edit.EchoMode.Password
    assert view.connect_button.isEnabled()
    assert rig.run(rig.engine.integration()).connected


# -- connection errors change nothing ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "token", "words"),
    [
        (SIM_URL, "not-the-token", "rejected the access token"),
        (SIM_URL, READ_ONLY_TOKEN, "lacks scopes"),
        (UNREACHABLE_URL, TOKEN, "unreachable"),
        (SIM_URL, "   ", "token is required"),
    ],
    ids=["bad-token", "missing-scope", "unreachable", "empty-token"],
)
def test_failed_connection_is_explained_inline_and_changes_nothing(
    rig: Rig, qtbot: Any, url: str, token: str, words: str
) -> None:
    rig.connect()
    rig.run(rig.engine.set_direction(Direction.TWO_WAY))
    before = rig.run(rig.engine.integration())
    view = open_view(rig)

    reason = connect_with(rig, qtbot, view, url, token)

    assert words in reason
    assert view.connection_error.isVisible()
    assert words in view.connection_error.text()
    assert "Nothing was changed" in view.connection_error.text()
    assert rig.run(rig.engine.integration()) == before
    assert view.connect_button.text() == "Reconnect"
    assert view.connect_button.isEnabled()
    assert view.direction_radios[Direction.TWO_WAY].isChecked()


def test_an_address_that_is_not_a_url_never_reaches_the_engine(
    rig: Rig, qtbot: Any
) -> None:
    view = open_view(rig)
    view.portal_radio.setChecked(True)
    view.url_edit.setText("api.hubapi.com")
    view.token_edit.setText(TOKEN)

    click(qtbot, view.connect_button)

    assert not rig.ctx.tasks.busy
    assert "Enter the portal's API address" in view.connection_error.text()
    assert rig.run(rig.engine.integration()).state == "never_connected"


# -- direction --------------------------------------------------------------------


def test_talk_to_hubspot_cannot_be_chosen_by_any_path(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)
    unsupported = view.direction_radios[Direction.TALK_TO_HUBSPOT]
    assert not unsupported.isEnabled()
    assert "not supported" in unsupported.text()
    assert "Not supported" in unsupported.toolTip()

    click(qtbot, unsupported)
    unsupported.click()
    unsupported.setChecked(True)
    assert not unsupported.isChecked()
    assert view.direction_radios[DEFAULT_DIRECTION].isChecked()
    assert not rig.ctx.tasks.busy

    for attempt in (Direction.TALK_TO_HUBSPOT, "aloware-to-hubspot"):
        view.choose_direction(attempt)
        rig.idle()
        assert "not supported" in view.direction_error.text()
        assert view.direction_error.isVisible()
        rig.settle(lambda: view.direction_radios[DEFAULT_DIRECTION].isEnabled())

    assert rig.run(rig.engine.direction()) is DEFAULT_DIRECTION
    assert not unsupported.isChecked()


def test_choosing_two_way_sets_the_engine(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)

    (value,) = rig.wait_for(
        view.direction_changed,
        lambda: click(qtbot, view.direction_radios[Direction.TWO_WAY]),
    )

    assert value == Direction.TWO_WAY.value
    assert rig.run(rig.engine.direction()) is Direction.TWO_WAY
    rig.settle(lambda: view.integration.direction is Direction.TWO_WAY)
    assert view.direction_radios[Direction.TWO_WAY].isChecked()


def test_directions_wait_for_a_connection(rig: Rig, qtbot: Any) -> None:
    view = open_view(rig)

    assert not view.direction_radios[Direction.TWO_WAY].isEnabled()
    assert "Connect to HubSpot" in view.direction_radios[Direction.TWO_WAY].toolTip()


# -- lifecycle --------------------------------------------------------------------


def test_disconnect_keeps_the_list_and_stops_syncing(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)
    statuses = rig.run(rig.engine.statuses())

    rig.wait_for(view.disconnected, lambda: click(qtbot, view.disconnect_button))
    rig.settle(lambda: view.integration.state == "disconnected")

    assert view.state_label.text().startswith("Disconnected")
    assert "kept" in view.state_label.text()
    assert view.next_sync_label.text() == "When connected"
    assert not view.sync_button.isEnabled()
    assert not view.disconnect_button.isEnabled()
    assert view.connect_button.text() == "Reconnect"
    assert rig.run(rig.engine.statuses()) == statuses


def test_reconnect_resets_to_the_default_direction_and_says_so(
    rig: Rig, qtbot: Any
) -> None:
    view = connected_view(rig)
    assert view.direction_note.isVisible()
    assert "reconnecting always starts at HubSpot → Talk" in (
        view.direction_note.text()
    )
    rig.wait_for(
        view.direction_changed, lambda: view.choose_direction(Direction.TWO_WAY)
    )
    rig.wait_for(view.disconnected, view.disconnect_hubspot)

    rig.wait_for(view.connected, view.submit_connection)
    rig.settle(lambda: view.integration.connected)

    assert rig.run(rig.engine.direction()) is DEFAULT_DIRECTION
    assert view.direction_radios[DEFAULT_DIRECTION].isChecked()
    assert view.direction_note.isVisible()
    assert view.direction_reset_label.isVisible()
    assert "reset to HubSpot → Talk" in view.direction_reset_label.text()


# -- syncing ----------------------------------------------------------------------


def test_sync_now_runs_a_sync_and_shows_when(rig: Rig, qtbot: Any) -> None:
    rig.connect()
    view = open_view(rig)
    assert view.last_sync_label.text() == "Never"
    assert view.next_sync_label.text().startswith("Soon")

    rig.wait_for(rig.ctx.events.sync_finished, lambda: click(qtbot, view.sync_button))
    rig.settle(lambda: view.last_sync_label.text().endswith(": OK"))
    rig.idle()

    assert view.sync_button.text() == "Sync now"
    assert view.sync_button.isEnabled()
    interval = rig.engine.interval(view.integration)
    assert f"(every {interval:g} s)" in view.next_sync_label.text()
    assert not view.sync_error.isVisible()


def test_pending_pushes_are_counted(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)
    rig.run(rig.engine.set_direction(Direction.TWO_WAY))
    contact = rig.run(rig.engine.contacts(limit=1))[0]

    rig.run(rig.engine.set_disposition(contact.id, "BAD_TIMING"))
    rig.settle(lambda: view.pending_label.text() == "1")

    rig.wait_for(view.refreshed, view.sync_now)
    rig.settle(lambda: view.pending_label.text() == "0")
    assert view.rejected_label.text() == "0"


def test_a_failed_sync_is_shown_with_its_reason(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)
    del rig.app.state.simulator.scopes[TOKEN]  # the token was revoked in HubSpot

    view.sync_now()
    rig.settle(lambda: view.sync_error.isVisible())
    rig.settle(lambda: "failed" in view.last_sync_label.text())

    assert "rejected the access token" in view.sync_error.text()
    assert "rejected the access token" in view.last_sync_label.text()
    assert view.sync_button.isEnabled()


def test_a_hidden_panel_catches_up_when_shown(rig: Rig, qtbot: Any) -> None:
    view = connected_view(rig)
    view.hide()

    rig.run(rig.engine.disconnect())
    assert view.integration.connected

    rig.wait_for(view.refreshed, view.show)
    assert view.integration.state == "disconnected"
