"""The contract's pure decisions (``sync/rules.py``), case by case."""

from __future__ import annotations

import pytest

from talkapp.store.models import Contact, SyncState
from talkapp.sync.rules import Action, Incoming, on_hubspot_record, resolve_push

AT = 1_800_000_000_000


def row(
    disposition: str | None, state: SyncState = SyncState.SYNCED, modified: int = AT
) -> Contact:
    return Contact(
        1,
        "1",
        "Ana Lee",
        "a@example.com",
        "",
        disposition,
        state,
        None,
        modified,
        modified,
    )


def incoming(value: str | None, modified: int = AT) -> Incoming:
    return Incoming("1", "Ana", "Lee", "a@example.com", "", value, modified)


@pytest.mark.parametrize(
    ("contact", "known", "record", "pending", "full", "action"),
    [
        (None, None, incoming("NEW"), False, False, Action.INSERT),
        (row("NEW"), "NEW", incoming("OPEN", AT - 1), False, False, Action.STALE),
        (row("NEW"), "NEW", incoming("OPEN", AT + 1), False, False, Action.APPLY),
        (row("NEW"), "NEW", incoming("NEW", AT + 1), False, False, Action.KEEP),
        # a Talk-only value: replaced by HubSpot's next change or a full sync,
        # but not by a search that merely reads the same record again
        (
            row("OPEN", SyncState.LOCAL_ONLY),
            "NEW",
            incoming("NEW", AT + 1),
            False,
            False,
            Action.OVERWRITE,
        ),
        (
            row("OPEN", SyncState.LOCAL_ONLY),
            "NEW",
            incoming("NEW"),
            False,
            True,
            Action.OVERWRITE,
        ),
        (
            row("OPEN", SyncState.LOCAL_ONLY),
            "NEW",
            incoming("NEW"),
            False,
            False,
            Action.KEEP,
        ),
        (
            row("OPEN", SyncState.REJECTED),
            "NEW",
            incoming("CONNECTED", AT + 1),
            False,
            False,
            Action.OVERWRITE,
        ),
        # two-way, queued: the push step decides who wins
        (
            row("OPEN", SyncState.PENDING),
            "NEW",
            incoming("CONNECTED", AT + 1),
            True,
            False,
            Action.DEFER,
        ),
        (
            row("OPEN", SyncState.PENDING),
            "NEW",
            incoming("NEW", AT + 1),
            True,
            True,
            Action.KEEP,
        ),
    ],
)
def test_on_hubspot_record(
    contact: Contact | None,
    known: str | None,
    record: Incoming,
    pending: bool,
    full: bool,
    action: Action,
) -> None:
    assert (
        on_hubspot_record(contact, known, record, pending=pending, full=full) is action
    )


def test_resolve_push_most_recent_wins_and_a_tie_goes_to_hubspot() -> None:
    assert resolve_push(AT + 1, AT) is True
    assert resolve_push(AT, AT) is False
    assert resolve_push(AT, AT + 1) is False
    assert resolve_push(AT, None) is True
