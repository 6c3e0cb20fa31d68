"""The state of one simulated HubSpot portal: contacts, history, options.

Plain Python, no HTTP: the Starlette app in ``app.py`` translates requests
into calls here and errors raised here (``PortalError``) into HubSpot's JSON.
"""

from __future__ import annotations

import bisect
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from talkapp.simulator.errors import PortalError, bad_request, invalid_values, not_found
from talkapp.simulator.index import SearchIndex
from talkapp.simulator.properties import LEAD_STATUS, READ_ONLY, default_properties
from talkapp.simulator.seed import seed_contacts

# Where a change came from, in HubSpot's words (history sourceType and the
# webhook's changeSource).
SOURCE_API = "INTEGRATION"
SOURCE_UI = "CRM_UI"
SOURCE_IMPORT = "IMPORT"


class Contact:
    """One contact. ``properties`` is replaced, never mutated, on every write,
    so the search index can keep the old dict as its lagging snapshot."""

    __slots__ = ("archived", "created_ms", "history", "id", "properties", "updated_ms")

    def __init__(self, contact_id: int, properties: dict[str, str], created_ms: int):
        self.id = contact_id
        self.properties = properties
        self.created_ms = created_ms
        self.updated_ms = created_ms
        self.archived = False
        # property -> [(value, ms, sourceType, sourceId)], oldest first; only
        # properties written after creation have an entry.
        self.history: dict[str, list[tuple[str, int, str, str | None]]] = {}

    def history_of(self, name: str) -> list[tuple[str, int, str, str | None]]:
        """The property's history, oldest first, creation value included."""
        if name in self.history:
            return self.history[name]
        value = self.properties.get(name)
        if value in (None, ""):
            return []
        return [(value, self.created_ms, SOURCE_IMPORT, None)]


@dataclass(frozen=True)
class Change:
    """A property value that changed; webhooks are made from these."""

    contact_id: int
    name: str
    value: str
    at_ms: int
    source: str
    source_id: str | None


class Portal:
    """Contacts, the lead-status property and their history, with HubSpot's rules."""

    def __init__(
        self,
        *,
        contacts: int = 0,
        seed: int = 1,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.properties = default_properties()
        self.contacts: dict[int, Contact] = {}
        self.index = SearchIndex()
        self.search_lag_ms = 0
        self.listeners: list[Callable[[list[Change]], None]] = []
        self.revision = 0  # bumped by every write; the state file saves on change
        self._clock = clock or (lambda: time.time_ns() // 1_000_000)
        self._last_ms = 0
        self._active: list[int] = []
        self._archived: list[int] = []
        self._next_id = 1
        self._seed(contacts, seed)

    # -- reading -------------------------------------------------------------

    def get(self, contact_id: int | str, *, archived: bool = False) -> Contact:
        contact = self.contacts.get(_parse_id(contact_id))
        if contact is None or contact.archived != archived:
            raise not_found(contact_id)
        return contact

    def page(
        self, after: str | None, limit: int, *, archived: bool = False
    ) -> tuple[list[Contact], str | None]:
        """One page of the list endpoint, ordered by id; ``after`` is the next id."""
        ids = self._archived if archived else self._active
        start = 0
        if after:
            try:
                start = bisect.bisect_left(ids, int(after))
            except ValueError:
                raise bad_request(f"after must be a number, got {after!r}") from None
        chosen = ids[start : start + limit]
        following = ids[start + limit] if start + limit < len(ids) else None
        page = [self.contacts[i] for i in chosen]
        return page, None if following is None else str(following)

    def lead_status_values(self) -> list[str]:
        return [option["value"] for option in self.properties[LEAD_STATUS]["options"]]

    def count(self) -> int:
        return len(self._active)

    # -- writing -------------------------------------------------------------

    def create(self, properties: dict[str, Any], source: str = SOURCE_API) -> Contact:
        values = self._checked(properties)
        at = self._now()
        contact_id = self._next_id
        self._next_id += 1
        stored = {k: v for k, v in values.items() if v != ""}
        stored.update(self._stamps(contact_id, at, at))
        contact = Contact(contact_id, stored, at)
        for name, value in stored.items():
            if name not in READ_ONLY:
                contact.history[name] = [(value, at, source, None)]
        self.contacts[contact_id] = contact
        self._active.append(contact_id)
        self.index.stage(contact_id, stored, self.search_lag_ms)
        self._changed(
            [Change(contact_id, n, v, at, source, None) for n, v in stored.items()]
        )
        return contact

    def update(
        self,
        contact_id: int | str,
        properties: dict[str, Any],
        source: str = SOURCE_API,
        source_id: str | None = None,
    ) -> Contact:
        contact = self.get(contact_id)
        values = self._checked(properties)
        changes = self._apply(contact, values, self._now(), source, source_id)
        self._changed(changes)
        return contact

    def batch_update(
        self,
        inputs: list[tuple[str, dict[str, Any]]],
        source: str = SOURCE_API,
        source_id: str | None = None,
    ) -> tuple[list[Contact], list[PortalError]]:
        """Apply many updates under one shared timestamp; failures are per input."""
        at = self._now()
        results: list[Contact] = []
        errors: list[PortalError] = []
        changes: list[Change] = []
        for contact_id, properties in inputs:
            try:
                contact = self.get(contact_id)
                values = self._checked(properties)
            except PortalError as error:
                error.context = {**(error.context or {}), "ids": [str(contact_id)]}
                errors.append(error)
                continue
            changes += self._apply(contact, values, at, source, source_id)
            results.append(contact)
        self._changed(changes)
        return results, errors

    def archive(self, contact_id: int | str) -> None:
        contact = self.get(contact_id)
        at = self._now()
        contact.archived = True
        contact.updated_ms = at
        self._active.remove(contact.id)
        bisect.insort(self._archived, contact.id)
        self.index.stage(contact.id, None, self.search_lag_ms)
        self.revision += 1

    def update_property(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """PATCH a property definition; ``options`` replaces the whole list."""
        prop = self.get_property(name)
        allowed = {
            "label",
            "description",
            "groupName",
            "options",
            "displayOrder",
            "hidden",
            "formField",
            "fieldType",
        }
        unknown = sorted(set(patch) - allowed)
        if unknown:
            raise bad_request(
                f"Unknown fields in property update: {', '.join(unknown)}"
            )

        if "options" in patch:
            if prop["type"] != "enumeration":
                raise bad_request(f"Property {name} has no options to edit")
            prop_options = _checked_options(patch["options"])
        for key, value in patch.items():
            prop[key] = prop_options if key == "options" else value
        prop["updatedAt"] = iso(self._now())
        self.revision += 1
        return prop

    def get_property(self, name: str) -> dict[str, Any]:
        if name not in self.properties:
            raise PortalError(
                404,
                "OBJECT_NOT_FOUND",
                f"Unable to find property {name} for object type contacts",
            )
        return self.properties[name]

    # -- persistence ---------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to bring this portal back after a restart."""
        return {
            "version": 1,
            "next_id": self._next_id,
            "last_ms": self._last_ms,
            "properties": self.properties,
            "contacts": [
                [
                    c.id,
                    c.properties,
                    c.created_ms,
                    c.updated_ms,
                    c.archived,
                    {k: [list(e) for e in v] for k, v in c.history.items()},
                ]
                for c in self.contacts.values()
            ],
        }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("version") != 1:
            raise ValueError("unsupported simulator state file version")
        self.properties = state["properties"]
        self._next_id = state["next_id"]
        self._last_ms = state["last_ms"]
        self.contacts.clear()
        for cid, props, created, updated, archived, history in state["contacts"]:
            contact = Contact(cid, props, created)
            contact.updated_ms = updated
            contact.archived = archived
            contact.history = {k: [tuple(e) for e in v] for k, v in history.items()}
            self.contacts[cid] = contact
        self._rebuild_lists()

    # -- internals -----------------------------------------------------------

    def _seed(self, count: int, seed: int) -> None:
        values = self.lead_status_values()
        for contact_id, properties, created_ms in seed_contacts(count, seed, values):
            properties.update(self._stamps(contact_id, created_ms, created_ms))
            self.contacts[contact_id] = Contact(contact_id, properties, created_ms)
        self._next_id = count + 1
        self._rebuild_lists()

    def _rebuild_lists(self) -> None:
        self._active = sorted(i for i, c in self.contacts.items() if not c.archived)
        self._archived = sorted(i for i, c in self.contacts.items() if c.archived)
        self.index.rebuild((i, self.contacts[i].properties) for i in self._active)

    def _now(self) -> int:
        self._last_ms = max(self._clock(), self._last_ms)
        return self._last_ms

    @staticmethod
    def _stamps(contact_id: int, created_ms: int, modified_ms: int) -> dict[str, str]:
        return {
            "createdate": str(created_ms),
            "lastmodifieddate": str(modified_ms),
            "hs_object_id": str(contact_id),
        }

    def _checked(self, properties: Any) -> dict[str, str]:
        """Validate values like HubSpot; raise before anything is written."""
        if not isinstance(properties, dict):
            raise bad_request(
                "properties must be an object of property names to values"
            )
        problems = []
        values: dict[str, str] = {}
        for name, raw in properties.items():
            prop = self.properties.get(name)
            value = (
                ""
                if raw is None
                else str(raw).lower()
                if isinstance(raw, bool)
                else str(raw)
            )
            if prop is None:
                problems.append(
                    _problem(
                        name,
                        value,
                        "PROPERTY_DOESNT_EXIST",
                        f'Property "{name}" does not exist',
                    )
                )
            elif name in READ_ONLY:
                problems.append(
                    _problem(
                        name,
                        value,
                        "READ_ONLY_VALUE",
                        f"{name} is a read only property; its value cannot be set.",
                    )
                )
            elif prop["type"] == "enumeration" and value != "":
                allowed = [o["value"] for o in prop["options"]]
                if value not in allowed:
                    problem = _problem(
                        name,
                        value,
                        "INVALID_OPTION",
                        f"{value} was not one of the allowed options: "
                        f"[{', '.join(allowed)}]",
                    )
                    problem["context"]["allowedOptions"] = allowed
                    problems.append(problem)
            values[name] = value
        if problems:
            raise invalid_values(problems)
        return values

    def _apply(
        self,
        contact: Contact,
        values: dict[str, str],
        at: int,
        source: str,
        source_id: str | None,
    ) -> list[Change]:
        current = contact.properties
        changed = {k: v for k, v in values.items() if current.get(k, "") != v}
        if not changed:
            return []
        updated = {**current, **changed, "lastmodifieddate": str(at)}
        for name, value in changed.items():
            if value == "":
                del updated[name]
            history = contact.history.setdefault(name, list(contact.history_of(name)))
            history.append((value, at, source, source_id))
        contact.properties = updated
        contact.updated_ms = at
        self.index.stage(contact.id, updated, self.search_lag_ms)
        return [
            Change(contact.id, name, value, at, source, source_id)
            for name, value in changed.items()
        ]

    def _changed(self, changes: list[Change]) -> None:
        self.revision += 1
        if changes:
            for listener in self.listeners:
                listener(changes)


def _problem(name: str, value: str, code: str, message: str) -> dict[str, Any]:
    return {
        "message": message,
        "code": code,
        "context": {"propertyName": [name], "value": [value]},
    }


def _checked_options(options: Any) -> list[dict[str, Any]]:
    """Options as HubSpot stores them, or a 400 naming the first problem."""
    if not isinstance(options, list):
        raise bad_request("options must be a list")
    seen: set[str] = set()
    cleaned = []
    for order, option in enumerate(options):
        if not isinstance(option, dict):
            raise bad_request("each option must be an object with label and value")
        label = str(option.get("label") or "").strip()
        value = str(option.get("value") or "").strip()
        if not label or not value:
            raise bad_request("each option needs a non-empty label and value")
        if value in seen:
            raise bad_request(f"Duplicate option value: {value}")
        seen.add(value)
        display_order = option.get("displayOrder")
        display_order = order if display_order is None else display_order
        if isinstance(display_order, bool) or not isinstance(display_order, int):
            raise bad_request(f"displayOrder of option {value} must be a whole number")
        hidden = option.get("hidden") or False
        if not isinstance(hidden, bool):
            raise bad_request(f"hidden of option {value} must be true or false")
        cleaned.append(
            {
                "label": label,
                "value": value,
                "displayOrder": display_order,
                "hidden": hidden,
                "description": str(option.get("description") or ""),
            }
        )
    return cleaned


def _parse_id(contact_id: int | str) -> int:
    try:
        return int(contact_id)
    except (TypeError, ValueError):
        raise not_found(contact_id) from None


@functools.lru_cache(maxsize=262_144)
def iso(ms: int) -> str:
    """Epoch ms as HubSpot's ISO-8601 timestamp; cached, since a list page
    formats 200 of them and most were formatted before."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
