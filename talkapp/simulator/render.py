"""Contacts as HubSpot's v3 API shows them.

The CRM routes and the QA routes answer with the same shape, so it is written
once, here, apart from both.
"""

from __future__ import annotations

import time
from typing import Any

from talkapp.simulator.portal import Contact, iso
from talkapp.simulator.properties import ALWAYS_READ, DEFAULT_READ


def render(
    contact: Contact,
    names: list[str] | None,
    history: list[str] | None = None,
    properties: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A contact as HubSpot's v3 API shows it."""
    props = contact.properties if properties is None else properties
    wanted = list(DEFAULT_READ if names is None else names) + list(ALWAYS_READ)
    body: dict[str, Any] = {
        "id": str(contact.id),
        "properties": {name: props.get(name) for name in wanted},
        "createdAt": iso(contact.created_ms),
        "updatedAt": iso(int(props.get("lastmodifieddate", contact.updated_ms))),
        "archived": contact.archived,
    }
    if contact.archived:
        body["archivedAt"] = iso(contact.updated_ms)
    if history:
        body["propertiesWithHistory"] = {
            name: [
                {
                    "value": value,
                    "timestamp": iso(at),
                    "sourceType": source,
                    **({"sourceId": source_id} if source_id else {}),
                }
                for value, at, source, source_id in reversed(contact.history_of(name))
            ]
            for name in history
        }
    return body


def now_iso() -> str:
    """Now, in the ISO form HubSpot stamps on its answers."""
    return iso(time.time_ns() // 1_000_000)


__all__ = ["now_iso", "render"]
