"""``talkapp connect``, ``disconnect`` and ``direction`` as a user runs them."""

from __future__ import annotations

import socket

from cli_helpers import (
    EXIT_HUBSPOT,
    EXIT_REFUSED,
    EXIT_USAGE,
    READ_ONLY_TOKEN,
    STATUS_KEYS,
    Talk,
    another,
    lead_status,
)

from talkapp.simulator.portal import Portal

TALK_DEFAULTS = [
    "New",
    "Open",
    "In progress",
    "Open deal",
    "Unqualified",
    "Attempted to call",
    "Connected",
    "Bad timing",
]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_failed_connections_say_why_in_one_line_and_change_nothing(
    talk: Talk,
) -> None:
    statuses = talk.statuses()
    assert [s["label"] for s in statuses] == TALK_DEFAULTS
    assert all(set(s) == STATUS_KEYS for s in statuses)
    assert all(s["offered"] and not s["locked"] for s in statuses)

    bad = talk("connect", "--hubspot-url", talk.hubspot_url, token="wrong-token")
    assert bad.code == EXIT_HUBSPOT
    assert "token" in bad.one_error_line()

    scope = talk("connect", "--hubspot-url", talk.hubspot_url, token=READ_ONLY_TOKEN)
    assert scope.code == EXIT_HUBSPOT
    assert "crm.objects.contacts.write" in scope.one_error_line()

    away = talk("connect", "--hubspot-url", closed_port_url())
    assert away.code == EXIT_HUBSPOT
    assert "127.0.0.1" in away.one_error_line()

    assert bad.out == scope.out == away.out == ""
    assert talk.statuses() == statuses
    assert talk.ok("log", "--json").json() == []
    assert talk.ok("direction").out == "hubspot-to-aloware\n"


def test_connect_sync_and_the_locked_list(talk: Talk, portal: Portal) -> None:
    connected = talk.connect()
    assert "direction hubspot-to-aloware" in connected.out

    synced = talk.ok("sync")
    lines = synced.out.splitlines()
    assert len(lines) == 1
    assert "40 contacts pulled" in lines[0]

    statuses = talk.statuses()
    assert all(set(s) == STATUS_KEYS for s in statuses)
    hubspot = [s for s in statuses if s["source"] == "hubspot"]
    assert [s["value"] for s in hubspot] == portal.lead_status_values()
    assert all(s["locked"] and s["offered"] and not s["hidden"] for s in hubspot)
    assert [s["display_order"] for s in hubspot] == sorted(
        s["display_order"] for s in hubspot
    )
    assert sum(s["contacts"] for s in hubspot) == 40
    talk_owned = [s for s in statuses if s["source"] == "talk"]
    assert [s["label"] for s in talk_owned] == TALK_DEFAULTS
    assert not any(s["offered"] or s["locked"] for s in talk_owned)

    table = talk.ok("statuses").out
    new_row = next(line for line in table.splitlines() if "NEW" in line)
    assert new_row.startswith("🔐")

    renamed = talk("statuses", "rename", "NEW", "Fresh")
    assert renamed.code == EXIT_REFUSED
    assert "managed in HubSpot" in renamed.one_error_line()
    removed = talk("statuses", "remove", "CONNECTED")
    assert removed.code == EXIT_REFUSED
    assert "managed in HubSpot" in removed.one_error_line()
    added = talk("statuses", "add", "OPEN", "Open again")
    assert added.code == EXIT_REFUSED
    assert "managed in HubSpot" in added.one_error_line()
    assert talk.statuses() == statuses


def test_direction_is_one_word_and_talk_to_hubspot_is_refused(talk: Talk) -> None:
    talk.connect()
    assert talk.ok("direction", "two-way").out == "two-way\n"

    refused = talk("direction", "aloware-to-hubspot")
    assert refused.code == EXIT_REFUSED
    assert "not supported" in refused.one_error_line()
    assert refused.out == ""

    unknown = talk("direction", "sideways")
    assert unknown.code == EXIT_REFUSED
    assert "two-way" in unknown.one_error_line()

    assert talk.ok("direction").out == "two-way\n"
    assert talk.log_events().count("direction_changed") == 1


def test_disconnect_and_reconnect_reset_the_direction(
    talk: Talk, portal: Portal
) -> None:
    talk.connect()
    talk.ok("sync")
    talk.ok("direction", "two-way")
    theirs = lead_status(portal, "5")
    contact = talk.contacts()["5"]
    queued = talk.ok("set-disposition", str(contact["id"]), another(theirs))
    assert "queued" in queued.out

    talk.ok("disconnect")
    table = talk.ok("statuses").out
    assert "not syncing" in table
    new_row = next(line for line in table.splitlines() if "NEW" in line)
    assert new_row.startswith("🔐")
    not_connected = talk("sync")
    assert not_connected.code == EXIT_REFUSED
    assert "connect" in not_connected.one_error_line()

    again = talk.connect()
    assert "reset" in again.out
    assert "direction hubspot-to-aloware" in again.out
    assert talk.ok("direction").out == "hubspot-to-aloware\n"
    events = talk.log_events()
    assert "direction_reset" in events
    assert "push_cancelled" in events

    history = talk.ok("history", str(contact["id"]), "--json").json()
    assert history[-1]["event"] == "push_cancelled"
    assert all(entry["at"].endswith("Z") for entry in history)
    talk.ok("direction", "two-way")
    talk.ok("sync")
    assert lead_status(portal, "5") == theirs
    assert talk.contacts()["5"]["sync_state"] == "local_only"


def test_bad_usage_exits_2_without_a_traceback(talk: Talk) -> None:
    for args in (
        ["no-such-command"],
        ["history", "not-a-number"],
        ["connect"],
        ["direction", "two-way", "extra"],
    ):
        result = talk(*args)
        assert result.code == EXIT_USAGE, args
        assert "usage:" in result.err
        assert result.out == ""
