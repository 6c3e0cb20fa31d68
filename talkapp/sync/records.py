"""HubSpot contacts as the ``Incoming`` records the store applies.

Shared by the pull (searches, list walks in this process), the push (the
timestamps it compares) and the store writer (list pages in its own
process), so every path reads HubSpot's fields the same way.
"""

from __future__ import annotations

import datetime as dt

from talkapp.hubspot import Contact, ContactRow
from talkapp.hubspot.models import parsed_contact_rows
from talkapp.sync.rules import Incoming

LEAD_STATUS = "hs_lead_status"
MODIFIED = "lastmodifieddate"
PROPERTIES = ("firstname", "lastname", "email", "phone", LEAD_STATUS, MODIFIED)


def incoming(contact: Contact) -> Incoming:
    props = contact.properties
    return Incoming(
        hubspot_id=contact.id,
        firstname=props.get("firstname") or "",
        lastname=props.get("lastname") or "",
        email=props.get("email") or "",
        phone=props.get("phone") or "",
        value=props.get(LEAD_STATUS) or None,
        modified=modified(contact),
    )


def incoming_row(row: ContactRow) -> Incoming:
    props = row["properties"]
    get = props.get
    return Incoming(
        hubspot_id=row["id"],
        firstname=get("firstname") or "",
        lastname=get("lastname") or "",
        email=get("email") or "",
        phone=get("phone") or "",
        value=get(LEAD_STATUS) or None,
        modified=modified_ms(get(MODIFIED), row["updatedAt"]),
    )


def list_records(pages: list[bytes]) -> list[Incoming]:
    """The contacts of raw list pages, parsed and checked (a page of the
    wrong shape raises ``HubSpotError``)."""
    return [
        incoming_row(row) for raw in pages for row in parsed_contact_rows(raw).results
    ]


def modified(contact: Contact) -> int:
    return modified_ms(contact.properties.get(MODIFIED), contact.updated_at)


def modified_ms(raw: str | None, updated_at: dt.datetime) -> int:
    """``lastmodifieddate`` in epoch ms; HubSpot sends ms or ISO-8601, and
    the record's ``updatedAt`` stands in when the property is missing."""
    if raw:
        try:
            return int(raw)
        except ValueError:
            try:
                parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
                return int(parsed.timestamp() * 1000)
            except ValueError:
                pass
    return int(updated_at.timestamp() * 1000)


def to_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)
