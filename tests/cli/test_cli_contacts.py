"""``talkapp contacts``, ``set-disposition``, ``sync``, ``history`` and ``log``:
the contract end to end through the command line."""

from __future__ import annotations

from cli_helpers import (
    CONTACT_KEYS,
    EXIT_HUBSPOT,
    EXIT_REFUSED,
    Talk,
    another,
    lead_status,
)

from talkapp.simulator.portal import Portal

LEAD_STATUS = "hs_lead_status"


def option_rows(portal: Portal, *extra: tuple[str, str]) -> list[dict[str, object]]:
    rows = [(o["label"], o["value"]) for o in portal.properties[LEAD_STATUS]["options"]]
    return [
        {"label": label, "value": value, "displayOrder": order}
        for order, (label, value) in enumerate([*rows, *extra])
    ]


def test_contacts_and_hubspot_changes(talk: Talk, portal: Portal) -> None:
    talk.connect()
    talk.ok("sync")
    contacts = talk.contacts()
    assert len(contacts) == 40
    assert all(set(c) >= CONTACT_KEYS for c in contacts.values())
    labels = {s["value"]: s["label"] for s in talk.statuses()}
    for hubspot_id, contact in contacts.items():
        assert contact["disposition"] == lead_status(portal, hubspot_id)
        assert contact["disposition_label"] == labels[contact["disposition"]]
        assert contact["sync_state"] == "synced"

    first = contacts["1"]
    found = talk.ok("contacts", "--json", "--search", first["email"]).json()
    assert [c["hubspot_id"] for c in found] == ["1"]

    new = another(first["disposition"])
    portal.update(1, {LEAD_STATUS: new}, "CRM_UI")
    summary = talk.ok("sync").out.splitlines()
    assert len(summary) == 1
    assert "1 updated" in summary[0]
    assert talk.contacts()["1"]["disposition"] == new
    history = talk.ok("history", str(first["id"]), "--json").json()
    assert history[-1]["event"] == "hubspot_changed"
    assert (history[-1]["old_value"], history[-1]["new_value"]) == (
        first["disposition"],
        new,
    )


def test_one_way_change_stays_local_until_hubspot_or_a_full_sync(
    talk: Talk, portal: Portal
) -> None:
    talk.connect()
    talk.ok("sync")
    contact = talk.contacts()["2"]
    theirs = contact["disposition"]
    ours = another(theirs)

    unknown = talk("set-disposition", str(contact["id"]), "NOT_AN_OPTION")
    assert unknown.code == EXIT_REFUSED
    assert "NOT_AN_OPTION" in unknown.one_error_line()
    no_contact = talk("set-disposition", "99999", ours)
    assert no_contact.code == EXIT_REFUSED
    no_contact.one_error_line()

    local = talk.ok("set-disposition", str(contact["id"]), ours)
    assert "Talk only" in local.out
    talk.ok("sync")
    after = talk.contacts()["2"]
    assert (after["disposition"], after["sync_state"]) == (ours, "local_only")
    assert lead_status(portal, "2") == theirs

    full = talk.ok("sync", "--full").out
    assert full.startswith("Full sync")
    after = talk.contacts()["2"]
    assert (after["disposition"], after["sync_state"]) == (theirs, "synced")
    history = talk.ok("history", str(contact["id"]), "--json").json()
    assert (history[-1]["event"], history[-1]["old_value"]) == ("overwritten", ours)
    assert "local_overwritten" in talk.log_events()


def test_two_way_push_conflict_and_rejection(talk: Talk, portal: Portal) -> None:
    talk.connect()
    talk.ok("sync")
    talk.ok("direction", "two-way")
    contacts = talk.contacts()
    pushed, lost, refused = contacts["3"], contacts["4"], contacts["6"]
    pushed_value = another(pushed["disposition"])
    lost_value = another(lost["disposition"])
    refused_value = another(refused["disposition"], avoid=(pushed_value, lost_value))

    for contact, value in (
        (pushed, pushed_value),
        (lost, lost_value),
        (refused, refused_value),
    ):
        assert "queued" in talk.ok("set-disposition", str(contact["id"]), value).out
    hubspot_wins = another(lost["disposition"], avoid=(lost_value,))
    portal.update(4, {LEAD_STATUS: hubspot_wins}, "CRM_UI")
    options = [o for o in option_rows(portal) if o["value"] != refused_value]
    portal.update_property(LEAD_STATUS, {"options": options})

    summary = talk.ok("sync").out
    assert "1 pushed" in summary
    assert "1 rejected" in summary
    assert "1 conflicts won by HubSpot" in summary

    after = talk.contacts()
    assert lead_status(portal, "3") == pushed_value
    assert after["3"]["sync_state"] == "synced"
    assert lead_status(portal, "4") == hubspot_wins
    assert after["4"]["disposition"] == hubspot_wins
    assert lead_status(portal, "6") == refused["disposition"]
    assert after["6"]["sync_state"] == "rejected"
    assert refused_value in after["6"]["sync_error"]
    assert after["6"]["disposition_label"] != ""

    lost_history = talk.ok("history", str(lost["id"]), "--json").json()
    assert (lost_history[-1]["event"], lost_history[-1]["old_value"]) == (
        "conflict_lost",
        lost_value,
    )
    events = talk.log_events()
    assert "conflict" in events
    assert "push_rejected" in events

    again = talk.ok("sync").out
    assert "rejected" not in again
    assert lead_status(portal, "6") == refused["disposition"]


def test_hubspot_down_fails_the_sync_in_one_line_and_keeps_the_change(
    talk: Talk, portal: Portal
) -> None:
    talk.connect()
    talk.ok("sync")
    talk.ok("direction", "two-way")
    contact = talk.contacts()["7"]
    ours = another(contact["disposition"])
    talk.ok("set-disposition", str(contact["id"]), ours)

    talk.settings(offline=True)
    down = talk("sync")
    assert down.code == EXIT_HUBSPOT
    assert "unavailable" in down.one_error_line()
    assert talk.contacts()["7"]["sync_state"] == "pending"

    talk.settings(offline=False)
    assert "1 pushed" in talk.ok("sync").out
    assert lead_status(portal, "7") == ours

    no_token = talk("sync", token=None)
    assert no_token.code == EXIT_HUBSPOT
    assert "HUBSPOT_ACCESS_TOKEN" in no_token.one_error_line()


def test_a_value_matching_no_status_is_shown_unknown(
    talk: Talk, portal: Portal
) -> None:
    portal.update_property(LEAD_STATUS, {"options": option_rows(portal, ("X", "X"))})
    portal.update(8, {LEAD_STATUS: "X"}, "CRM_UI")
    portal.update_property(
        LEAD_STATUS, {"options": [o for o in option_rows(portal) if o["value"] != "X"]}
    )

    talk.connect()
    talk.ok("sync")

    contact = talk.contacts()["8"]
    assert contact["disposition"] == "X"
    assert contact["disposition_label"] == "Unknown (X)"
    assert "X" not in {s["value"] for s in talk.statuses()}
    table = talk.ok("statuses").out
    assert any("Unknown" in line and " X " in line for line in table.splitlines())
