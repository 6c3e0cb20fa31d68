"""The contact properties the simulated portal knows, shaped like HubSpot's."""

from __future__ import annotations

import copy
from typing import Any

LEAD_STATUS = "hs_lead_status"

# HubSpot's default Lead Status options, in HubSpot's order.
DEFAULT_OPTIONS = (
    ("New", "NEW"),
    ("Open", "OPEN"),
    ("In Progress", "IN_PROGRESS"),
    ("Open Deal", "OPEN_DEAL"),
    ("Unqualified", "UNQUALIFIED"),
    ("Attempted to Contact", "ATTEMPTED_TO_CONTACT"),
    ("Connected", "CONNECTED"),
    ("Bad Timing", "BAD_TIMING"),
)

NUMERIC = frozenset({"hs_object_id", "createdate", "lastmodifieddate"})
READ_ONLY = NUMERIC
DEFAULT_READ = ("firstname", "lastname", "email")
ALWAYS_READ = ("createdate", "lastmodifieddate", "hs_object_id")
FREE_TEXT = ("firstname", "lastname", "email", "phone", "company")

_CREATED = "2019-08-06T02:41:52.213Z"


def _property(
    name: str,
    label: str,
    type_: str,
    field_type: str,
    group: str,
    *,
    read_only: bool = False,
    options: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    return {
        "updatedAt": _CREATED,
        "createdAt": _CREATED,
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field_type,
        "description": description,
        "groupName": group,
        "options": options or [],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": True,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": True,
            "readOnlyValue": read_only,
        },
        "formField": not read_only,
        "dataSensitivity": "non_sensitive",
    }


def default_properties() -> dict[str, dict[str, Any]]:
    """A fresh copy of the catalogue, so each portal edits its own."""
    options = [
        {
            "label": label,
            "value": value,
            "displayOrder": order,
            "hidden": False,
            "description": "",
        }
        for order, (label, value) in enumerate(DEFAULT_OPTIONS)
    ]
    catalogue = [
        _property("firstname", "First Name", "string", "text", "contactinformation"),
        _property("lastname", "Last Name", "string", "text", "contactinformation"),
        _property("email", "Email", "string", "text", "contactinformation"),
        _property(
            "phone", "Phone Number", "string", "phonenumber", "contactinformation"
        ),
        _property("company", "Company Name", "string", "text", "contactinformation"),
        _property(
            LEAD_STATUS,
            "Lead Status",
            "enumeration",
            "radio",
            "sales_properties",
            options=options,
            description="The contact's sales, prospecting or outreach status",
        ),
        _property(
            "createdate",
            "Create Date",
            "datetime",
            "date",
            "contactinformation",
            read_only=True,
        ),
        _property(
            "lastmodifieddate",
            "Last Modified Date",
            "datetime",
            "date",
            "contactinformation",
            read_only=True,
        ),
        _property(
            "hs_object_id",
            "Record ID",
            "number",
            "number",
            "contactinformation",
            read_only=True,
        ),
    ]
    return {prop["name"]: copy.deepcopy(prop) for prop in catalogue}
