"""``POST /crm/v3/objects/contacts/search`` evaluated over the search index.

Follows HubSpot's documented limits: at most 5 filter groups, 6 filters in a
group and 18 in all; ``limit`` up to 200; no paging past 10,000 results.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from talkapp.simulator.errors import bad_request
from talkapp.simulator.index import SearchIndex
from talkapp.simulator.properties import FREE_TEXT, NUMERIC

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_RESULTS = 10_000

Doc = dict[str, str]
Predicate = Callable[[Doc], bool]


@dataclass
class SearchResult:
    total: int
    ids: list[int]
    after: str | None


def search(index: SearchIndex, body: Any, known: set[str]) -> SearchResult:
    """Run one search request body against the index."""
    if not isinstance(body, dict):
        raise bad_request("search body must be a JSON object")
    index.catch_up()

    limit = _int(body.get("limit", 10), "limit")
    if not 0 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 0 and {MAX_LIMIT}")
    offset = _int(body.get("after") or 0, "after")
    if offset + limit > MAX_RESULTS:
        raise bad_request(
            f"Search results are limited to {MAX_RESULTS} per query; "
            f"after={offset} with limit={limit} pages past that. "
            "Narrow the query (for example on hs_object_id) to see more."
        )

    groups = body.get("filterGroups") or []
    _check_shape(groups)
    predicates = [_group(index, group, known) for group in groups]
    text = str(body.get("query") or "").strip().lower()

    if not predicates:
        candidates: list[int] = index.ids
    elif len(predicates) == 1:
        candidates = predicates[0][0]
    else:
        candidates = sorted({i for ids, _ in predicates for i in ids})

    docs = index.docs
    tests = [test for _, test in predicates]
    matches = [
        i
        for i in candidates
        if (not tests or any(test(docs[i]) for test in tests))
        and (not text or _mentions(docs[i], text))
    ]
    _sort(matches, docs, body.get("sorts") or [], known)

    chosen = matches[offset : offset + limit]
    more = offset + limit < len(matches)
    return SearchResult(len(matches), chosen, str(offset + limit) if more else None)


def _check_shape(groups: Any) -> None:
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise bad_request("filterGroups must be a list of objects")
    if len(groups) > MAX_GROUPS:
        raise bad_request(f"At most {MAX_GROUPS} filterGroups are allowed")
    total = 0
    for group in groups:
        filters = group.get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise bad_request(f"At most {MAX_FILTERS_PER_GROUP} filters per group")
        total += len(filters)
    if total > MAX_FILTERS:
        raise bad_request(f"At most {MAX_FILTERS} filters are allowed in all")


def _group(
    index: SearchIndex, group: dict[str, Any], known: set[str]
) -> tuple[list[int], Predicate]:
    """The group's candidate ids (narrowed by a range on a sorted key) and test."""
    filters = group.get("filters") or []
    tests = [_filter(f, known) for f in filters]
    candidates = index.ids
    for flt in filters:
        narrowed = _narrow(index, flt)
        if narrowed is not None and len(narrowed) < len(candidates):
            candidates = narrowed

    def test(doc: Doc) -> bool:
        return all(t(doc) for t in tests)

    return candidates, test


def _narrow(index: SearchIndex, flt: dict[str, Any]) -> list[int] | None:
    """Ids that can match a range filter on hs_object_id or lastmodifieddate."""
    name = flt.get("propertyName")
    operator = flt.get("operator")
    if name not in ("hs_object_id", "lastmodifieddate") or operator not in (
        "EQ",
        "GT",
        "GTE",
        "BETWEEN",
    ):
        return None
    low = _number(flt.get("value"))
    if low is None:
        return None
    if name == "hs_object_id":
        start = bisect.bisect_left(index.ids, low + (operator == "GT"))
        return index.ids[start:]
    start = bisect.bisect_left(index.by_modified, (low + (operator == "GT"), 0))
    stop = len(index.by_modified)
    if operator == "EQ":
        stop = bisect.bisect_left(index.by_modified, (low + 1, 0))
    return sorted(i for _, i in index.by_modified[start:stop])


def _filter(flt: Any, known: set[str]) -> Predicate:
    if not isinstance(flt, dict):
        raise bad_request("each filter must be an object")
    name = flt.get("propertyName")
    operator = flt.get("operator")
    if name not in known:
        raise bad_request(f"Unknown property in filter: {name!r}")
    numeric = name in NUMERIC

    def norm(raw: Any) -> Any:
        if numeric:
            number = _number(raw)
            if number is None:
                raise bad_request(f"{name} filter value must be a number or a date")
            return number
        return str(raw).lower()

    def get(doc: Doc) -> Any:
        raw = doc.get(name)
        if raw in (None, ""):
            return None
        return int(raw) if numeric else raw.lower()

    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        wanted = operator == "HAS_PROPERTY"
        return lambda doc: (get(doc) is not None) == wanted
    if operator in ("IN", "NOT_IN"):
        values = flt.get("values")
        if not isinstance(values, list):
            raise bad_request(f"{operator} needs a list in 'values'")
        members = {norm(v) for v in values}
        if operator == "IN":
            return lambda doc: get(doc) in members
        return lambda doc: get(doc) not in members
    if operator == "BETWEEN":
        low, high = norm(flt.get("value")), norm(flt.get("highValue"))
        return lambda doc: (v := get(doc)) is not None and low <= v <= high
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(flt.get("value", "")).lower().strip("*")
        present = operator == "CONTAINS_TOKEN"
        return lambda doc: (token in (get(doc) or "")) == present

    if "value" not in flt:
        raise bad_request(f"{operator} filter on {name} needs a value")
    value = norm(flt["value"])
    compare: dict[str, Predicate] = {
        "EQ": lambda doc: get(doc) == value,
        "NEQ": lambda doc: get(doc) != value,
        "LT": lambda doc: (v := get(doc)) is not None and v < value,
        "LTE": lambda doc: (v := get(doc)) is not None and v <= value,
        "GT": lambda doc: (v := get(doc)) is not None and v > value,
        "GTE": lambda doc: (v := get(doc)) is not None and v >= value,
    }
    if operator not in compare:
        raise bad_request(f"Unknown filter operator: {operator!r}")
    return compare[operator]


def _sort(ids: list[int], docs: dict[int, Doc], sorts: Any, known: set[str]) -> None:
    """Sort in place by the first sort; ties, and the default, go by id."""
    if not sorts:
        return
    first = sorts[0]
    if isinstance(first, str):
        descending = first.startswith("-")
        name = first.lstrip("-")
    elif isinstance(first, dict):
        name = first.get("propertyName")
        descending = str(first.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        raise bad_request("sorts must be property names or {propertyName, direction}")
    if name not in known:
        raise bad_request(f"Unknown property in sorts: {name!r}")
    if name == "hs_object_id":
        if descending:
            ids.reverse()
        return

    numeric = name in NUMERIC

    def key(i: int) -> tuple[int, Any, int]:
        raw = docs[i].get(name)
        if raw in (None, ""):
            return (1, 0 if numeric else "", i)  # missing values sort last
        return (0, int(raw) if numeric else raw.lower(), i)

    ids.sort(key=key, reverse=descending)


def _mentions(doc: Doc, text: str) -> bool:
    return any(text in (doc.get(name) or "").lower() for name in FREE_TEXT)


def _number(raw: Any) -> int | None:
    """Epoch ms from a number, a numeric string or an ISO-8601 date."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return int(raw)
    if not isinstance(raw, str):
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def _int(raw: Any, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be a whole number") from None
