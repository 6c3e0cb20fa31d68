"""Rows the store hands to the engine and the UI: plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import NamedTuple


class Direction(StrEnum):
    """Which way dispositions flow; the values are the words users type."""

    HUBSPOT_TO_TALK = "hubspot-to-aloware"
    TWO_WAY = "two-way"
    TALK_TO_HUBSPOT = "aloware-to-hubspot"  # never stored: not supported

    @property
    def label(self) -> str:
        return {
            Direction.HUBSPOT_TO_TALK: "HubSpot → Talk",
            Direction.TWO_WAY: "HubSpot ↔ Talk",
            Direction.TALK_TO_HUBSPOT: "Talk → HubSpot",
        }[self]


DEFAULT_DIRECTION = Direction.HUBSPOT_TO_TALK


class SyncState(StrEnum):
    SYNCED = "synced"
    LOCAL_ONLY = "local_only"
    PENDING = "pending"
    REJECTED = "rejected"


class Source(StrEnum):
    HUBSPOT = "hubspot"
    TALK = "talk"


class DispositionState(StrEnum):
    ACTIVE = "active"
    DETACHED = "detached"


@dataclass(frozen=True)
class Disposition:
    """One status in the list. HubSpot-owned and active means locked."""

    value: str
    label: str
    source: Source
    hidden: bool
    state: DispositionState
    display_order: int
    contacts: int = 0

    @property
    def locked(self) -> bool:
        return self.source is Source.HUBSPOT and self.state is DispositionState.ACTIVE


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    hubspot_id: str | None
    name: str
    email: str
    phone: str
    disposition: str | None
    sync_state: SyncState
    sync_error: str | None
    disposition_at: int | None
    hubspot_modified: int | None


@dataclass(frozen=True)
class HistoryEntry:
    """Something that happened to one contact's disposition, in words."""

    id: int
    contact_id: int
    at: int
    event: str
    old_value: str | None
    new_value: str | None
    actor: str
    outcome: str


@dataclass(frozen=True)
class LogEntry:
    """A line of the sync log a supervisor can read."""

    id: int
    at: int
    level: str
    event: str
    message: str
    contact_id: int | None


@dataclass(frozen=True)
class Integration:
    """The HubSpot connection, its direction and its sync cursors."""

    state: str  # never_connected | connected | disconnected
    hubspot_url: str | None
    direction: Direction
    portal_id: int | None
    last_sync_at: int | None
    last_sync_ok: bool | None
    last_error: str | None
    cursor_ms: int | None
    cursor_id: str | None
    full_sync_after: str | None  # the list cursor of an interrupted first sync
    full_sync_started: int | None

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @property
    def has_hubspot_list(self) -> bool:
        return self.state != "never_connected"


@dataclass(frozen=True)
class OutboxItem:
    """A change queued for HubSpot in two-way mode (one per contact)."""

    contact_id: int
    hubspot_id: str
    value: str
    queued_at: int
    attempts: int
    next_attempt_at: int


class Incoming(NamedTuple):
    """A contact as HubSpot reported it (list page, search result or webhook).

    A named tuple, not a dataclass: a first sync makes 100,000 of them, and a
    frozen dataclass costs several times more to build."""

    hubspot_id: str
    firstname: str
    lastname: str
    email: str
    phone: str
    value: str | None
    modified: int  # HubSpot's lastmodifieddate, epoch ms
    fields_known: bool = True  # False for a webhook, which carries only the status


class Action(Enum):
    """What a pulled HubSpot record does to a contact: decided by
    ``sync.rules``, carried out by the store."""

    INSERT = "insert"  # a contact Talk has not seen
    APPLY = "apply"  # take HubSpot's lead status
    OVERWRITE = "overwrite"  # take it, replacing an agent's Talk-only value
    DEFER = "defer"  # a two-way conflict: the push step decides with history
    KEEP = "keep"  # nothing to change in the disposition
    STALE = "stale"  # older than what Talk already applied
