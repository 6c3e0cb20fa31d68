"""``HubSpotClient``: the typed async calls Talk makes to HubSpot's CRM API v3.

It works unchanged against https://api.hubapi.com and the simulator; tests
hand it an ``httpx`` transport (``MockTransport`` or ``ASGITransport``).
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from talkapp import __version__
from talkapp.hubspot import batch
from talkapp.hubspot import search as walk
from talkapp.hubspot.errors import HubSpotError, MissingScopeError
from talkapp.hubspot.models import (
    BatchInput,
    BatchResult,
    Contact,
    ContactPage,
    ContactRows,
    FilterGroup,
    Property,
    PropertyOption,
    RawContactPage,
    SearchPage,
    SearchRequest,
    TokenInfo,
    parsed,
    parsed_contact_rows,
    parsed_contacts,
    raw_contact_page,
)
from talkapp.hubspot.transport import ClientStats, Transport

__all__ = ["DEFAULT_BASE_URL", "REQUIRED_SCOPES", "HubSpotClient"]

DEFAULT_BASE_URL = "https://api.hubapi.com"
REQUIRED_SCOPES = (
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.read",
)
CONTACTS = "/crm/v3/objects/contacts"
PROPERTIES = "/crm/v3/properties/contacts"
TOKEN_INFO = "/oauth/v2/private-apps/get/access-token-info"
LIST_LIMIT = 100

ListPage = TypeVar("ListPage", ContactRows, RawContactPage)


class HubSpotClient:
    """Talk's HubSpot client: typed models in, typed models or errors out.

    Requests are paced by a client-side sliding-window limiter
    (``rate_limit`` starts per 10 s, ``search_rate_limit`` searches per
    second; None turns one off), and transient failures (5xx, timeouts,
    lost connections, 429 within the rolling window) are retried at most
    ``max_attempts`` times in all. Failures surface as the errors in
    ``talkapp.hubspot.errors``. The token (required, despite its place after
    the defaulted ``base_url``) never appears in a repr, a log line or an
    error message.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        token: str | SecretStr = "",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        rate_limit: int | None = 100,
        search_rate_limit: int | None = 5,
        max_attempts: int = 5,
        retry_wait_initial: float = 0.2,
        retry_wait_max: float = 8.0,
    ) -> None:
        # A pasted token often brings a newline along; HubSpot's never has one.
        raw = token.get_secret_value() if isinstance(token, SecretStr) else token
        secret = SecretStr(raw.strip())
        if not secret.get_secret_value():
            raise ValueError("a HubSpot access token is required")
        self.base_url = base_url.rstrip("/")
        self.__token = secret
        self._transport = Transport(
            self.base_url,
            secret,
            transport=transport,
            timeout=timeout,
            rate_limit=rate_limit,
            search_rate_limit=search_rate_limit,
            max_attempts=max_attempts,
            retry_wait_initial=retry_wait_initial,
            retry_wait_max=retry_wait_max,
            user_agent=f"talkapp/{__version__}",
        )
        # HubSpot's search never pages past this many results per query;
        # a test may lower it to exercise re-anchoring on little data.
        self.search_result_cap = walk.RESULT_CAP

    def __repr__(self) -> str:
        return f"<HubSpotClient {self.base_url}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._transport.aclose()

    @property
    def stats(self) -> ClientStats:
        """Request counters since creation or the last ``stats.reset()``."""
        return self._transport.stats

    async def _call(self, method: str, path: str, *, kind: str, **kw: Any) -> Any:
        return await self._transport.call(method, path, kind=kind, **kw)

    async def _call_for_list(
        self, method: str, path: str, *, kind: str, **kw: Any
    ) -> dict[str, Any]:
        """A call whose answer is ``{"results": [...], ...}``."""
        data = await self._call(method, path, kind=kind, **kw)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise HubSpotError(f"HubSpot sent no results for {method} {path}")
        return data

    # -- the token ----------------------------------------------------------

    async def token_info(self) -> TokenInfo:
        """Who the token belongs to and what it may do."""
        body = {"tokenKey": self.__token.get_secret_value()}
        data = await self._call("POST", TOKEN_INFO, kind="token", body=body)
        return parsed(TokenInfo, data)

    async def check_access(
        self, required_scopes: Iterable[str] = REQUIRED_SCOPES
    ) -> TokenInfo:
        """Check the token before connecting; raise if it lacks a scope.

        Raises AuthenticationError for a bad token, MissingScopeError naming
        the missing scopes, UnavailableError when HubSpot cannot be reached.
        """
        info = await self.token_info()
        missing = sorted(set(required_scopes) - set(info.scopes))
        if missing:
            raise MissingScopeError(
                f"missing scopes: {', '.join(missing)}",
                missing=missing,
                status=403,
                category="MISSING_SCOPES",
            )
        return info

    # -- properties ---------------------------------------------------------

    async def get_property(self, name: str = "hs_lead_status") -> Property:
        """One contact property; HubSpot sends no webhook on option edits, so
        Talk polls this for the lead-status list."""
        data = await self._call("GET", f"{PROPERTIES}/{_seg(name)}", kind="property")
        return parsed(Property, data)

    async def list_properties(self) -> list[Property]:
        """Every contact property's definition."""
        data = await self._call_for_list("GET", PROPERTIES, kind="property")
        return [parsed(Property, p) for p in data["results"]]

    async def update_property(
        self,
        name: str,
        *,
        options: Sequence[PropertyOption] | None = None,
        label: str | None = None,
    ) -> Property:
        """Change a property's label or replace its options (QA and demos)."""
        body: dict[str, Any] = {}
        if options is not None:
            body["options"] = [o.to_json() for o in options]
        if label is not None:
            body["label"] = label
        path = f"{PROPERTIES}/{_seg(name)}"
        data = await self._call("PATCH", path, kind="property", body=body)
        return parsed(Property, data)

    # -- single contacts ----------------------------------------------------

    async def get_contact(
        self,
        contact_id: str | int,
        properties: Sequence[str] | None = None,
        properties_with_history: Sequence[str] | None = None,
    ) -> Contact:
        """One contact; NotFoundError if it does not exist or is archived."""
        params = _property_params(properties, properties_with_history)
        path = f"{CONTACTS}/{_seg(contact_id)}"
        data = await self._call("GET", path, kind="contact", params=params)
        return parsed(Contact, data)

    async def create_contact(self, properties: Mapping[str, str]) -> Contact:
        """Create a contact. Not retried once the request may have been sent,
        because a repeat could create a twin."""
        body = {"properties": dict(properties)}
        data = await self._call(
            "POST", CONTACTS, kind="contact", body=body, retry="unsent"
        )
        return parsed(Contact, data)

    async def update_contact(
        self, contact_id: str | int, properties: Mapping[str, str]
    ) -> Contact:
        """Set some of a contact's properties; the rest stay as they are."""
        path = f"{CONTACTS}/{_seg(contact_id)}"
        body = {"properties": dict(properties)}
        data = await self._call("PATCH", path, kind="contact", body=body)
        return parsed(Contact, data)

    async def archive_contact(self, contact_id: str | int) -> None:
        """Archive (HubSpot's delete) a contact."""
        await self._call("DELETE", f"{CONTACTS}/{_seg(contact_id)}", kind="contact")

    # -- listing ------------------------------------------------------------

    async def iter_contact_pages(
        self,
        properties: Sequence[str] | None = None,
        *,
        page_size: int = LIST_LIMIT,
        after: str | None = None,
        archived: bool = False,
    ) -> AsyncIterator[ContactPage]:
        """Every contact, one page at a time, in HubSpot's id order.

        Each page's ``after`` is the cursor of the page that follows (None
        on the last page): store it to resume an interrupted full sync.
        """
        while True:
            params = _list_params(properties, page_size, after, archived)
            data = await self._call_for_list(
                "GET", CONTACTS, kind="list", params=params
            )
            after = _next_after(data)
            results = parsed_contacts(data["results"])
            yield ContactPage(results=results, after=after)
            if after is None:
                return

    def iter_contact_rows(
        self,
        properties: Sequence[str] | None = None,
        *,
        after: str | None = None,
    ) -> AsyncGenerator[ContactRows, None]:
        """``iter_contact_pages``, each contact a checked ``ContactRow`` dict
        instead of a ``Contact`` model: cheaper when there are many."""
        return self._walk_list(properties, after, parsed_contact_rows)

    def iter_raw_contact_pages(
        self,
        properties: Sequence[str] | None = None,
        *,
        after: str | None = None,
    ) -> AsyncGenerator[RawContactPage, None]:
        """The list pages as HubSpot sent them, only their cursors read: what
        a first sync walks, leaving the parsing to its store writer."""
        return self._walk_list(properties, after, raw_contact_page)

    async def _walk_list(
        self,
        properties: Sequence[str] | None,
        after: str | None,
        decode: Callable[[bytes], ListPage],
    ) -> AsyncGenerator[ListPage, None]:
        while True:
            params = _list_params(properties, LIST_LIMIT, after, archived=False)
            page = await self._call(
                "GET", CONTACTS, kind="list", params=params, decode=decode
            )
            yield page
            after = page.after
            if after is None:
                return

    async def iter_contacts(
        self,
        properties: Sequence[str] | None = None,
        *,
        page_size: int = LIST_LIMIT,
        after: str | None = None,
        archived: bool = False,
    ) -> AsyncIterator[Contact]:
        """``iter_contact_pages`` one contact at a time."""
        pages = self.iter_contact_pages(
            properties, page_size=page_size, after=after, archived=archived
        )
        async for page in pages:
            for contact in page.results:
                yield contact

    # -- batches ------------------------------------------------------------

    async def batch_read(
        self,
        ids: Iterable[str | int],
        properties: Sequence[str] | None = None,
        properties_with_history: Sequence[str] | None = None,
        *,
        id_property: str | None = None,
    ) -> BatchResult:
        """Read many contacts, 100 per request (50 with history).

        Contacts HubSpot cannot find come back in ``errors``, not raised.
        """
        return await batch.read(
            self._call, ids, properties, properties_with_history, id_property
        )

    async def batch_update(
        self,
        inputs: Iterable[BatchInput | tuple[str | int, Mapping[str, str]]],
        *,
        id_property: str | None = None,
    ) -> BatchResult:
        """Update many contacts, 100 per request.

        Inputs HubSpot refuses come back in ``errors`` with the ids they
        concern; see ``batch.update`` for how a refused chunk is narrowed
        down to the inputs that caused it.
        """
        return await batch.update(self._call, inputs, id_property)

    # -- search -------------------------------------------------------------

    async def search(self, request: SearchRequest) -> SearchPage:
        """One page of a contact search.

        HubSpot's search index lags writes by a few seconds: a contact just
        written may not match yet, or match with its old values.
        """
        path = f"{CONTACTS}/search"
        body = request.to_json()
        data = await self._call_for_list("POST", path, kind="search", body=body)
        return SearchPage(
            total=int(data.get("total") or 0),
            results=parsed_contacts(data["results"]),
            after=_next_after(data),
        )

    def iter_search(
        self,
        filter_groups: Sequence[FilterGroup] = (),
        *,
        properties: Sequence[str] | None = None,
        sort_property: str = "hs_object_id",
        page_size: int = walk.MAX_LIMIT,
        keyset: bool = False,
    ) -> AsyncIterator[SearchPage]:
        """Every contact matching ``filter_groups``, in pages, past 10,000.

        See ``talkapp.hubspot.search`` for how the 10,000 cap is stepped
        over, what the yielded pages hold, and what ``keyset`` changes.
        """
        return walk.iter_search(
            self,
            list(filter_groups),
            properties=properties,
            sort_property=sort_property,
            page_size=page_size,
            keyset=keyset,
        )

    async def iter_search_contacts(
        self,
        filter_groups: Sequence[FilterGroup] = (),
        *,
        properties: Sequence[str] | None = None,
        sort_property: str = "hs_object_id",
        page_size: int = walk.MAX_LIMIT,
    ) -> AsyncIterator[Contact]:
        """``iter_search`` one contact at a time."""
        pages = self.iter_search(
            filter_groups,
            properties=properties,
            sort_property=sort_property,
            page_size=page_size,
        )
        async for page in pages:
            for contact in page.results:
                yield contact


def _seg(value: str | int) -> str:
    """One URL path segment, escaped so an id can never change the path."""
    return quote(str(value), safe="")


def _property_params(
    properties: Sequence[str] | None, with_history: Sequence[str] | None
) -> dict[str, Any]:
    # Repeated parameters, as HubSpot's own clients send them.
    params: dict[str, Any] = {}
    if properties:
        params["properties"] = list(properties)
    if with_history:
        params["propertiesWithHistory"] = list(with_history)
    return params


def _list_params(
    properties: Sequence[str] | None,
    page_size: int,
    after: str | None,
    archived: bool,
) -> dict[str, Any]:
    if not 1 <= page_size <= LIST_LIMIT:
        raise ValueError(f"page_size must be between 1 and {LIST_LIMIT}")
    params = _property_params(properties, None)
    params["limit"] = str(page_size)
    params["archived"] = "true" if archived else "false"
    if after:
        params["after"] = after
    return params


def _next_after(data: Mapping[str, Any]) -> str | None:
    paging = data.get("paging") or {}
    after = (paging.get("next") or {}).get("after")
    return None if after in (None, "") else str(after)
