"""Pydantic models of the HubSpot objects Talk reads and writes.

Field names are snake_case in Python and camelCase on the wire; unknown
fields are ignored, so HubSpot adding a field never breaks a sync.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Literal, NamedTuple, NotRequired, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from typing_extensions import TypedDict

from talkapp.hubspot.errors import HubSpotError

__all__ = [
    "BatchError",
    "BatchInput",
    "BatchResult",
    "Contact",
    "ContactPage",
    "ContactRow",
    "ContactRows",
    "Filter",
    "FilterGroup",
    "HistoryEntry",
    "Operator",
    "Property",
    "PropertyOption",
    "RawContactPage",
    "SearchPage",
    "SearchRequest",
    "Sort",
    "TokenInfo",
]


class HubSpotModel(BaseModel):
    """camelCase on the wire, snake_case in Python, extra fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        coerce_numbers_to_str=True,
    )

    def to_json(self) -> dict[str, Any]:
        """The JSON body HubSpot expects: camelCase, no unset optionals."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


M = TypeVar("M", bound=BaseModel)


def parsed_contacts(data: Any) -> list[Contact]:
    """A page of contacts, validated in one call into pydantic-core (a
    thousand pages of a first sync make the per-contact call overhead
    count)."""
    try:
        return _contact_list().validate_python(data or [])
    except pydantic.ValidationError as error:
        raise _shape_error("Contact", error) from None


def parsed(model: type[M], data: Any) -> M:
    """``data`` from HubSpot as ``model``; an answer of the wrong shape is a
    HubSpotError like any other failure, not a pydantic traceback."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        raise _shape_error(model.__name__, error) from None


def _shape_error(name: str, error: pydantic.ValidationError) -> HubSpotError:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "answer"
    return HubSpotError(f"HubSpot sent an unexpected {name}: {where}: {first['msg']}")


@functools.cache
def _contact_list() -> pydantic.TypeAdapter[list[Contact]]:
    return pydantic.TypeAdapter(list[Contact])


class TokenInfo(HubSpotModel):
    """What HubSpot says about a private-app token; never the token itself."""

    hub_id: int
    user_id: int | None = None
    app_id: int | None = None
    scopes: list[str] = Field(default_factory=list)


class PropertyOption(HubSpotModel):
    """One option of an enumeration property; ``value`` is the stable key."""

    label: str
    value: str
    display_order: int = -1
    hidden: bool = False
    description: str | None = None


class Property(HubSpotModel):
    """A contact property's definition, e.g. ``hs_lead_status`` and its options."""

    name: str
    label: str = ""
    type: str = "string"
    field_type: str = "text"
    group_name: str | None = None
    description: str | None = None
    options: list[PropertyOption] = Field(default_factory=list)
    display_order: int | None = None
    hidden: bool = False
    hubspot_defined: bool | None = None
    calculated: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived: bool = False

    def visible_options(self) -> list[PropertyOption]:
        """The options a picker should offer, in HubSpot's display order."""
        shown = [o for o in self.options if not o.hidden]
        return sorted(shown, key=lambda o: o.display_order)


class HistoryEntry(HubSpotModel):
    """One past value of a property; HubSpot lists these newest first."""

    value: str | None = None
    timestamp: datetime
    source_type: str | None = None
    source_id: str | None = None
    source_label: str | None = None
    updated_by_user_id: int | None = None


class Contact(HubSpotModel):
    """A contact as HubSpot returns it; property values are all strings."""

    id: str
    properties: dict[str, str | None] = Field(default_factory=dict)
    properties_with_history: dict[str, list[HistoryEntry]] | None = None
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None


class ContactRow(TypedDict):
    """A contact as a list walk reads it: plain dicts, checked by
    pydantic-core while the JSON is parsed (see ``parsed_contact_rows``).

    A first sync reads 100,000 contacts; a ``Contact`` model for each costs
    three times what parsing and checking the page does.
    """

    __pydantic_config__ = ConfigDict(coerce_numbers_to_str=True)  # type: ignore[misc]

    id: str
    properties: dict[str, str | None]
    updatedAt: datetime


class ContactRows(NamedTuple):
    """One page of the contact list as rows; ``after`` as in ``ContactPage``."""

    results: list[ContactRow]
    after: str | None


class _Next(TypedDict):
    __pydantic_config__ = ConfigDict(coerce_numbers_to_str=True)  # type: ignore[misc]

    after: str


class _Paging(TypedDict):
    next: NotRequired[_Next]


class _RowsPage(TypedDict):
    results: list[ContactRow]
    paging: NotRequired[_Paging]


def parsed_contact_rows(raw: bytes) -> ContactRows:
    """A list page's JSON bytes as rows, parsed and checked in one pass."""
    page, after = _list_page(_rows_page(), raw)
    return ContactRows(page["results"], after)


@functools.cache
def _rows_page() -> pydantic.TypeAdapter[_RowsPage]:
    return pydantic.TypeAdapter(_RowsPage)


class RawContactPage(NamedTuple):
    """One page of the contact list as HubSpot sent it, only its cursor read.

    A first sync hands these to a store writer in another process, which
    parses and checks the contacts (``parsed_contact_rows``) off the thread
    that talks to HubSpot.
    """

    raw: bytes
    after: str | None


class _PagingOnly(TypedDict):
    paging: NotRequired[_Paging]


PageDict = TypeVar("PageDict", _RowsPage, _PagingOnly)


def raw_contact_page(raw: bytes) -> RawContactPage:
    """A list page's bytes with its cursor; the contacts are left unparsed."""
    _, after = _list_page(_paging_only(), raw)
    return RawContactPage(raw, after)


def _list_page(
    adapter: pydantic.TypeAdapter[PageDict], raw: bytes
) -> tuple[PageDict, str | None]:
    """A list page checked by ``adapter``, and the cursor to the next one."""
    try:
        page = adapter.validate_json(raw)
    except pydantic.ValidationError as error:
        raise _shape_error("contact list page", error) from None
    after = page.get("paging", {}).get("next", {}).get("after")
    return page, after or None


@functools.cache
def _paging_only() -> pydantic.TypeAdapter[_PagingOnly]:
    return pydantic.TypeAdapter(_PagingOnly)


class ContactPage(HubSpotModel):
    """One page of the contact list; ``after`` resumes it, None on the last page."""

    results: list[Contact]
    after: str | None = None


class BatchInput(HubSpotModel):
    """One contact's new property values in a batch update."""

    id: str
    properties: dict[str, str]


class BatchError(HubSpotModel):
    """Why some inputs of a batch failed (one entry of a 207's ``errors``).

    For ``VALIDATION_ERROR`` caused by an unknown option the property, the
    refused value and the allowed options are filled in when HubSpot says.
    """

    category: str
    message: str = ""
    ids: list[str] = Field(default_factory=list)
    status: str = "error"
    property_name: str | None = None
    invalid_value: str | None = None
    allowed_options: list[str] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)


class BatchResult(HubSpotModel):
    """All chunks of a batch call merged: what worked and what did not."""

    results: list[Contact] = Field(default_factory=list)
    errors: list[BatchError] = Field(default_factory=list)

    @property
    def failed_ids(self) -> set[str]:
        return {i for error in self.errors for i in error.ids}

    def error_for(self, contact_id: str) -> BatchError | None:
        """The error that names this contact, if any."""
        return next((e for e in self.errors if contact_id in e.ids), None)

    def merge(self, other: BatchResult) -> BatchResult:
        return BatchResult(
            results=[*self.results, *other.results],
            errors=[*self.errors, *other.errors],
        )


Operator = Literal[
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
]


class Filter(HubSpotModel):
    """One search condition, e.g. ``Filter(property_name="x", operator="GTE",
    value="1700000000000")``; dates go as epoch milliseconds."""

    property_name: str
    operator: Operator
    value: str | None = None
    values: list[str] | None = None
    high_value: str | None = None


class FilterGroup(HubSpotModel):
    """Filters that must all hold; a request matches if any group does."""

    filters: list[Filter] = Field(default_factory=list)


class Sort(HubSpotModel):
    """HubSpot's search honours one sort per request."""

    property_name: str
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchRequest(HubSpotModel):
    """The body of a contact search. HubSpot allows at most 5 filter groups,
    6 filters in a group and 18 in all, and never pages past 10,000 results."""

    filter_groups: list[FilterGroup] = Field(default_factory=list)
    sorts: list[Sort] = Field(default_factory=list)
    properties: list[str] | None = None
    limit: int = Field(default=200, ge=0, le=200)
    after: str | None = None
    query: str | None = None


class SearchPage(HubSpotModel):
    """One page of search results; ``total`` counts every match of the query."""

    total: int
    results: list[Contact]
    after: str | None = None
