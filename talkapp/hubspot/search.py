"""Walking a contact search past HubSpot's 10,000-result cap.

HubSpot pages a search with an offset cursor and refuses any page that
reaches past result 10,000. To see more, the walk sorts ascending on one
property and, before the cap, starts a fresh query that resumes where the
last one stopped (an *anchor* filter ANDed into every filter group):

- on ``hs_object_id``, which is unique, the anchor is ``GT last id``;
- on a shared key such as ``lastmodifieddate`` (many contacts can have the
  same millisecond) it is ``GTE last value``, and the contacts already
  yielded at that value are dropped when the new query returns them again;
- when a whole 10,000-window shares one value, ``GTE`` would not move, so
  that value is walked on its own (``EQ value``, sorted by id, anchored on
  ``GT last id``) before the walk goes on with ``GT value``.

Every anchor is strictly past the previous one, so the walk ends, and no
contact is yielded twice. Two things remain the caller's to handle:

- search lags writes by a few seconds in HubSpot: a contact written just
  before (or during) the walk may be missing or carry its old values, so an
  incremental sync should start a little before its last checkpoint;
- within one query pages are offsets: if a matching contact is modified
  mid-walk and so moves to the end of a ``lastmodifieddate`` order, later
  pages shift by one and a contact can be skipped. It is modified later
  than anything before it, so the next incremental pass sees it only if
  its checkpoint does not pass it; overlapping checkpoints cover this too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from talkapp.hubspot.models import (
    Contact,
    Filter,
    FilterGroup,
    Operator,
    SearchPage,
    SearchRequest,
    Sort,
)

if TYPE_CHECKING:
    from talkapp.hubspot.client import HubSpotClient

log = logging.getLogger("talkapp.hubspot.search")

RESULT_CAP = 10_000
MAX_LIMIT = 200
ID = "hs_object_id"
# What HubSpot returns for a contact search that names no properties.
DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)


def iter_search(
    client: HubSpotClient,
    filter_groups: list[FilterGroup],
    *,
    properties: Sequence[str] | None,
    sort_property: str,
    page_size: int,
    keyset: bool = False,
) -> AsyncIterator[SearchPage]:
    """Every match, ascending on ``sort_property``, as pages of new contacts.

    With ``keyset`` every page is a fresh query anchored past the last one
    (never an offset), so a contact modified mid-walk cannot shift a later
    page and get skipped; incremental sync walks ``lastmodifieddate`` so.

    Each yielded page holds only contacts not yielded before (it may be
    shorter than ``page_size``); ``total`` is the match count HubSpot gave
    for the first query; ``after`` is None only on the last page. The sort
    property must be set on every match (``hs_object_id``,
    ``lastmodifieddate`` and ``createdate`` always are). Anchors use one or
    two of HubSpot's 6 filters per group.
    """
    if not 1 <= page_size <= MAX_LIMIT:
        raise ValueError(f"page_size must be between 1 and {MAX_LIMIT}")
    if properties is None:
        wanted = None if sort_property in DEFAULT_PROPERTIES else [*DEFAULT_PROPERTIES]
    else:
        wanted = list(properties)
    if wanted is not None and sort_property not in wanted:
        wanted.append(sort_property)
    walker = _Walker(client, wanted, page_size, keyset)
    return walker.walk(filter_groups, sort_property, frozenset())


class _Walker:
    def __init__(
        self,
        client: HubSpotClient,
        properties: list[str] | None,
        page_size: int,
        keyset: bool = False,
    ) -> None:
        self.client = client
        self.keyset = keyset
        self.properties = properties
        self.page_size = page_size
        self.total: int | None = None

    async def walk(
        self, groups: list[FilterGroup], key: str, skip: frozenset[str]
    ) -> AsyncIterator[SearchPage]:
        """Walk one ordering, re-anchoring near the cap; never yield ``skip``."""
        cap = self.client.search_result_cap
        anchor: Filter | None = None
        boundary: str | None = None  # sort value of the last contact seen
        at_boundary: set[str] = set()  # ids seen with that value

        while True:
            request = SearchRequest(
                filter_groups=_and(groups, anchor),
                sorts=[Sort(property_name=key)],
                properties=self.properties,
                limit=self.page_size,
            )
            first: str | None = None
            seen_in_query = 0

            while True:
                page = await self.client.search(request)
                if self.total is None:
                    self.total = page.total

                fresh = []
                for contact in page.results:
                    value = _sort_value(contact, key)
                    if seen_in_query == 0:
                        first = value
                    seen_in_query += 1
                    if value != boundary:
                        boundary, at_boundary = value, set()
                    if contact.id in at_boundary or contact.id in skip:
                        continue
                    at_boundary.add(contact.id)
                    fresh.append(contact)

                last = page.after is None or not page.results
                if fresh or last:
                    after = None if last else page.after
                    yield SearchPage(total=self.total, results=fresh, after=after)
                if last:
                    return

                offset = _offset(page.after, seen_in_query)
                if self.keyset or offset + self.page_size > cap:
                    break
                request = request.model_copy(update={"after": page.after})

            if boundary is None:
                raise ValueError(
                    f"cannot page past {cap} search results: a match has no "
                    f"{key}; sort on a property every match has"
                )
            if key == ID:
                anchor = _filter(ID, "GT", boundary)
            elif first == boundary:
                log.debug(
                    "search: %d+ matches share %s=%s", seen_in_query, key, boundary
                )
                same = _and(groups, _filter(key, "EQ", boundary))
                async for sub_page in self.walk(same, ID, skip | at_boundary):
                    if sub_page.after is None:  # not the end of the whole walk
                        sub_page = sub_page.model_copy(update={"after": "more"})
                    yield sub_page
                anchor = _filter(key, "GT", boundary)
            else:
                anchor = _filter(key, "GTE", boundary)
            log.debug(
                "search: re-anchoring on %s %s %s", key, anchor.operator, boundary
            )


def _and(groups: list[FilterGroup], extra: Filter | None) -> list[FilterGroup]:
    """``extra`` ANDed into every filter group."""
    if extra is None:
        return groups
    if not groups:
        return [FilterGroup(filters=[extra])]
    return [FilterGroup(filters=[*g.filters, extra]) for g in groups]


def _filter(name: str, operator: Operator, value: str) -> Filter:
    return Filter(property_name=name, operator=operator, value=value)


def _sort_value(contact: Contact, key: str) -> str | None:
    """The contact's sort value as a filter would take it: dates in epoch ms."""
    if key == ID:
        return contact.id
    raw = contact.properties.get(key)
    if raw is None or raw.lstrip("-").isdigit():
        return raw
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    return str(round(when.timestamp() * 1000))


def _offset(after: str | None, seen: int) -> int:
    """HubSpot's search cursor is the offset of the next result."""
    try:
        return int(after or seen)
    except ValueError:
        return seen
