"""The contract's decisions as pure functions: no I/O, easy to test and read.

The store calls ``on_hubspot_record`` inside the transaction that applies a
pulled contact, and the engine calls ``resolve_push`` before writing an
agent's change to HubSpot.
"""

from __future__ import annotations

from talkapp.store.models import Action, Contact, Incoming, SyncState

__all__ = ["Action", "Incoming", "on_hubspot_record", "resolve_push"]


def on_hubspot_record(
    row: Contact | None,
    hubspot_value: str | None,
    incoming: Incoming,
    *,
    pending: bool,
    full: bool,
) -> Action:
    """What a pulled HubSpot record does to Talk's disposition of the contact.

    ``hubspot_value`` is HubSpot's lead status as Talk last applied it.
    """
    if row is None:
        return Action.INSERT
    if row.hubspot_modified is not None and incoming.modified < row.hubspot_modified:
        return Action.STALE

    newer = row.hubspot_modified is None or incoming.modified > row.hubspot_modified
    # A rejected push leaves the agent's value Talk-only, like one-way mode.
    local_only = row.sync_state in (SyncState.LOCAL_ONLY, SyncState.REJECTED)

    if pending:
        # Two-way with an agent change queued: if HubSpot moved too, the
        # most recent change wins, which only the push step can tell.
        return Action.DEFER if incoming.value != hubspot_value else Action.KEEP
    if local_only and row.disposition != incoming.value and (newer or full):
        return Action.OVERWRITE
    if incoming.value != row.disposition and (incoming.value != hubspot_value or full):
        return Action.APPLY
    return Action.KEEP


def resolve_push(agent_at: int, hubspot_changed_at: int | None) -> bool:
    """True when the agent's change is newer than HubSpot's; ties go to HubSpot."""
    return hubspot_changed_at is None or agent_at > hubspot_changed_at
