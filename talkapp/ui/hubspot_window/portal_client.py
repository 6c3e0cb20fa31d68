"""A small async client for one simulated portal: HubSpot's API plus the QA API.

Qt-free on purpose: the HubSpot window drives it through the task runner, and
the same calls work against the built-in simulator and against one started
separately with ``talkapp simulator``, because they are plain HTTP to the
simulator's public paths. Lead-status values go in through the QA import
(``/_simulator/import``), which is how the simulator makes a HubSpot-side
change: a CRM_UI edit or an IMPORT, never an API write by some integration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

import httpx

from talkapp.hubspot.errors import HubSpotError, one_line

log = logging.getLogger("talkapp.ui.hubspot_window")

LEAD_STATUS = "hs_lead_status"
CONTACT_PROPERTIES = ("firstname", "lastname", "email", LEAD_STATUS)
PAGE_SIZE = 100  # HubSpot's list endpoint allows no more
MAX_IMPORT = 10_000  # what one /_simulator/import takes
CRM_UI, IMPORT = "CRM_UI", "IMPORT"
TIMEOUT_S = 30.0  # room for an injected latency of many seconds


class PortalRequestError(HubSpotError):
    """The simulator refused or failed a request; one line saying why."""

    def describe(self) -> str:
        return f"{self.status}: {self.message}" if self.status else self.message


@dataclass(frozen=True)
class PortalContact:
    """A contact as the portal window lists it."""

    id: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    lead_status: str = ""  # "" when the contact has none
    modified_ms: int = 0

    @property
    def name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PortalContact:
        props = data.get("properties") or {}
        return cls(
            id=str(data["id"]),
            firstname=props.get("firstname") or "",
            lastname=props.get("lastname") or "",
            email=props.get("email") or "",
            lead_status=props.get(LEAD_STATUS) or "",
            modified_ms=_ms(props.get("lastmodifieddate")),
        )


@dataclass(frozen=True)
class ContactPage:
    """One page of contacts and the cursor of the next (None on the last)."""

    contacts: list[PortalContact]
    after: str | None
    total: int | None = None  # searches report how many matched


@dataclass(frozen=True)
class ImportResult:
    """What one import changed; every change shares ``at_ms`` (None: no change)."""

    contacts: list[PortalContact]
    errors: list[str]

    @property
    def at_ms(self) -> int | None:
        stamps = {c.modified_ms for c in self.contacts}
        return stamps.pop() if len(stamps) == 1 else None


@dataclass(frozen=True)
class LeadStatusOption:
    """One option of ``hs_lead_status``, keyed by its internal ``value``."""

    label: str
    value: str
    hidden: bool = False
    description: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LeadStatusOption:
        return cls(
            label=str(data.get("label") or ""),
            value=str(data.get("value") or ""),
            hidden=bool(data.get("hidden")),
            description=str(data.get("description") or ""),
        )


@dataclass(frozen=True)
class FaultSettings:
    """The simulator's fault knobs (``/_simulator/settings``).

    A limit is a fault only when it is tighter than HubSpot's own (basic
    tier); 0 turns every limit off, which is no fault at all.
    """

    rate_limit: int = 100
    search_rate_limit: int = 5
    daily_limit: int = 250_000
    error_rate: float = 0.0  # 0–1
    latency_ms: int = 0
    search_lag_ms: int = 0
    offline: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def public(self) -> dict[str, Any]:
        return asdict(self)

    def in_force(self) -> list[str]:
        """The faults on, in words, for the window's red bar."""
        faults = []
        if self.offline:
            faults.append("HubSpot offline")
        if self.error_rate > 0:
            faults.append(f"errors {self.error_rate * 100:g} %")
        if self.latency_ms:
            faults.append(f"latency {self.latency_ms:,} ms")
        if self.search_lag_ms:
            faults.append(f"search lag {self.search_lag_ms:,} ms")
        lowered = self.lowered_limits()
        if "rate_limit" in lowered:
            faults.append(f"rate limit {self.rate_limit} per 10 s")
        if "search_rate_limit" in lowered:
            faults.append(f"search limit {self.search_rate_limit}/s")
        if "daily_limit" in lowered:
            faults.append(f"daily limit {self.daily_limit:,}")
        return faults

    def lowered_limits(self) -> list[str]:
        """The limits set tighter than HubSpot's (none while limits are off)."""
        if self.rate_limit <= 0:
            return []
        hubspot = FaultSettings()
        names = ("rate_limit", "search_rate_limit", "daily_limit")
        return [n for n in names if 0 < getattr(self, n) < getattr(hubspot, n)]

    def all_off(self) -> dict[str, Any]:
        """The settings patch that turns every fault in force off.

        Limits go back to HubSpot's only where they are tighter, so a
        simulator started without limits (``--rate-limit 0``) stays so.
        """
        hubspot = FaultSettings()
        patch: dict[str, Any] = {
            "error_rate": 0.0,
            "latency_ms": 0,
            "search_lag_ms": 0,
            "offline": False,
        }
        for name in self.lowered_limits():
            patch[name] = getattr(hubspot, name)
        return patch

    def changes_to(self, other: FaultSettings) -> dict[str, Any]:
        mine, theirs = self.public(), other.public()
        return {k: v for k, v in theirs.items() if mine[k] != v}


# -- editing the option list (each edit becomes one PATCH of the whole list) --


def added(
    options: Sequence[LeadStatusOption], label: str, value: str
) -> list[LeadStatusOption]:
    return [*options, LeadStatusOption(label.strip(), value.strip())]


def renamed(
    options: Sequence[LeadStatusOption], value: str, label: str
) -> list[LeadStatusOption]:
    return [replace(o, label=label) if o.value == value else o for o in options]


def hidden(
    options: Sequence[LeadStatusOption], value: str, hide: bool
) -> list[LeadStatusOption]:
    return [replace(o, hidden=hide) if o.value == value else o for o in options]


def deleted(options: Sequence[LeadStatusOption], value: str) -> list[LeadStatusOption]:
    return [o for o in options if o.value != value]


def moved(
    options: Sequence[LeadStatusOption], value: str, step: int
) -> list[LeadStatusOption]:
    """The list with ``value`` moved ``step`` places (clamped to the ends)."""
    result = list(options)
    where = next((i for i, o in enumerate(result) if o.value == value), None)
    if where is None:
        return result
    target = max(0, min(len(result) - 1, where + step))
    result.insert(target, result.pop(where))
    return result


def value_for(label: str) -> str:
    """An internal value made from a label, the way HubSpot suggests one."""
    words = "".join(c if c.isalnum() else " " for c in label.strip().upper())
    return "_".join(words.split())


class PortalClient:
    """HTTP to one simulator at ``url``; ``transport`` lets tests stay in-process.

    The underlying ``httpx.AsyncClient`` opens on first use and ``aclose``
    closes it, so a window can close and reopen with the same client.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._transport = transport
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    # -- HubSpot's API (faults and rate limits apply) --------------------------

    async def list_contacts(self, after: str | None = None) -> ContactPage:
        params = {"limit": PAGE_SIZE, "properties": ",".join(CONTACT_PROPERTIES)}
        if after:
            params["after"] = after
        body = await self._request("GET", "/crm/v3/objects/contacts", params=params)
        return _page(body)

    async def search_contacts(
        self, query: str, after: str | None = None
    ) -> ContactPage:
        """HubSpot's search: it reads an index that may lag the live data."""
        request: dict[str, Any] = {
            "query": query,
            "limit": PAGE_SIZE,
            "properties": list(CONTACT_PROPERTIES),
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        }
        if after:
            request["after"] = after
        body = await self._request(
            "POST", "/crm/v3/objects/contacts/search", json=request
        )
        return _page(body)

    async def read_contacts(self, ids: Iterable[str]) -> list[PortalContact]:
        """The live values of up to 100 contacts, in one batch read."""
        inputs = [{"id": i} for i in ids]
        if not inputs:
            return []
        body = await self._request(
            "POST",
            "/crm/v3/objects/contacts/batch/read",
            json={"inputs": inputs, "properties": list(CONTACT_PROPERTIES)},
        )
        return [PortalContact.from_json(r) for r in body.get("results") or []]

    async def lead_status_options(self) -> list[LeadStatusOption]:
        """The options in HubSpot's ``displayOrder``."""
        path = f"/crm/v3/properties/contacts/{LEAD_STATUS}"
        return _options(await self._request("GET", path))

    async def set_lead_status_options(
        self, options: Sequence[LeadStatusOption]
    ) -> list[LeadStatusOption]:
        """Replace the whole option list; the order given becomes displayOrder."""
        body = {
            "options": [
                {
                    "label": o.label,
                    "value": o.value,
                    "displayOrder": order,
                    "hidden": o.hidden,
                    "description": o.description,
                }
                for order, o in enumerate(options)
            ]
        }
        path = f"/crm/v3/properties/contacts/{LEAD_STATUS}"
        result = _options(await self._request("PATCH", path, json=body))
        log.info("lead-status options set: %s", ", ".join(o.value for o in result))
        return result

    # -- the QA API (no token, no faults) ----------------------------------------

    async def import_lead_status(
        self, ids: Sequence[str], value: str, *, source: str = IMPORT
    ) -> ImportResult:
        """Set ``value`` ("" clears) on every contact, under one timestamp."""
        if len(ids) > MAX_IMPORT:
            raise PortalRequestError(
                f"One import takes at most {MAX_IMPORT:,} contacts, not {len(ids):,}"
            )
        body = await self._request(
            "POST",
            "/_simulator/import",
            json={
                "inputs": [{"id": i, "properties": {LEAD_STATUS: value}} for i in ids],
                "changeSource": source,
            },
        )
        contacts = [PortalContact.from_json(r) for r in body.get("results") or []]
        errors = [one_line(str(e.get("message"))) for e in body.get("errors") or []]
        log.info(
            "%s: %s on %d contact(s), %d refused",
            source,
            value or "(cleared)",
            len(contacts),
            len(errors),
        )
        return ImportResult(contacts, errors)

    async def settings(self) -> tuple[FaultSettings, int]:
        """The fault settings and how many contacts the portal holds."""
        body = await self._request("GET", "/_simulator/settings")
        return FaultSettings.from_json(body), int(body.get("contacts") or 0)

    async def change_settings(
        self, changes: dict[str, Any]
    ) -> tuple[FaultSettings, int]:
        body = await self._request("PATCH", "/_simulator/settings", json=changes)
        log.info("simulator settings changed: %s", changes)
        return FaultSettings.from_json(body), int(body.get("contacts") or 0)

    async def stats(self) -> dict[str, Any]:
        return await self._request("GET", "/_simulator/stats")

    # -- plumbing ----------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.url,
                headers={"Authorization": f"Bearer {self._token}"},
                transport=self._transport,
                timeout=self._timeout,
            )
        return self._http

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            response = await self._client().request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise PortalRequestError(
                f"The simulator at {self.url} did not answer in {self._timeout:g} s"
            ) from None
        except httpx.TransportError as error:
            raise PortalRequestError(
                f"Cannot reach the simulator at {self.url}: {one_line(str(error))}"
            ) from None
        log.debug(
            "%s %s → %d in %.0f ms",
            method,
            path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        if response.status_code >= 400:
            data = body if isinstance(body, dict) else {}
            raise PortalRequestError(
                str(data.get("message") or response.reason_phrase),
                status=response.status_code,
                category=data.get("category"),
                correlation_id=data.get("correlationId"),
            )
        return body


def _page(body: dict[str, Any]) -> ContactPage:
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return ContactPage(
        [PortalContact.from_json(r) for r in body.get("results") or []],
        None if after is None else str(after),
        body.get("total"),
    )


def _options(prop: dict[str, Any]) -> list[LeadStatusOption]:
    raw = list(enumerate(prop.get("options") or []))
    raw.sort(key=lambda pair: (pair[1].get("displayOrder", pair[0]), pair[0]))
    return [LeadStatusOption.from_json(option) for _, option in raw]


def _ms(value: Any) -> int:
    """Epoch ms from the simulator's digits or HubSpot's ISO-8601 text."""
    if value in (None, ""):
        return 0
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(stamp.timestamp() * 1000)
