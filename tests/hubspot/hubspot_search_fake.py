"""A fake of HubSpot's contact search, strict about the parts that bite.

It applies filter groups, sorts on one property, pages by offset and
refuses any page past the result cap with HubSpot's 400. Contacts that tie
on the sort key come back in an order that differs from query to query
(HubSpot promises none), but stays put while one query is paged.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

import httpx
from hubspot_fakes import body_of, contact_json

NUMERIC = {"hs_object_id", "lastmodifieddate", "createdate"}
Doc = dict[str, str]


class FakeSearch:
    def __init__(self, docs: dict[int, Doc], cap: int = 10_000) -> None:
        self.docs = docs
        self.cap = cap
        self.bodies: list[dict[str, Any]] = []
        self._orders: dict[str, list[int]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        self.bodies.append(body)
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
        groups = body.get("filterGroups") or []
        if limit > 200 or len(groups) > 5:
            return _refuse("limit or filter groups out of range")
        if any(len(g["filters"]) > 6 for g in groups):
            return _refuse("At most 6 filters per group")
        if after + limit > self.cap:
            return _refuse(f"Search results are limited to {self.cap} per query")

        order = self._order(groups, body.get("sorts") or [])
        chosen = order[after : after + limit]
        names = body.get("properties") or ["lastmodifieddate"]
        page: dict[str, Any] = {
            "total": len(order),
            "results": [
                contact_json(i, **{n: self.docs[i].get(n) for n in names})
                for i in chosen
            ],
        }
        if after + limit < len(order):
            page["paging"] = {"next": {"after": str(after + limit)}}
        return httpx.Response(200, json=page)

    def _order(self, groups: list[dict], sorts: list[dict]) -> list[int]:
        signature = json.dumps([groups, sorts], sort_keys=True)
        if signature not in self._orders:
            tests = [[_test(f) for f in g["filters"]] for g in groups]
            matches = [
                i
                for i, doc in self.docs.items()
                if not tests or any(all(t(doc) for t in group) for group in tests)
            ]
            key = sorts[0]["propertyName"] if sorts else "hs_object_id"
            salt = signature.encode()

            def rank(i: int) -> tuple[Any, int]:
                return (_value(self.docs[i], key), zlib.crc32(salt + str(i).encode()))

            self._orders[signature] = sorted(matches, key=rank)
        return self._orders[signature]


def docs_from(stamps: dict[int, int], **extra: dict[int, str]) -> dict[int, Doc]:
    """Contacts by id with these ``lastmodifieddate`` stamps (and more)."""
    docs = {}
    for i, stamp in stamps.items():
        doc = {"hs_object_id": str(i), "lastmodifieddate": str(stamp)}
        for name, values in extra.items():
            if i in values:
                doc[name] = values[i]
        docs[i] = doc
    return docs


def _value(doc: Doc, name: str) -> Any:
    raw = doc.get(name)
    if name in NUMERIC:
        return int(raw) if raw is not None else -1
    return raw or ""


def _test(flt: dict[str, Any]) -> Callable[[Doc], bool]:
    name, operator = flt["propertyName"], flt["operator"]

    def get(doc: Doc) -> Any:
        return _value(doc, name)

    def norm(raw: Any) -> Any:
        return int(raw) if name in NUMERIC else raw

    if operator == "IN":
        wanted = {norm(v) for v in flt["values"]}
        return lambda doc: get(doc) in wanted
    value = norm(flt["value"])
    return {
        "EQ": lambda doc: get(doc) == value,
        "NEQ": lambda doc: get(doc) != value,
        "GT": lambda doc: get(doc) > value,
        "GTE": lambda doc: get(doc) >= value,
        "LT": lambda doc: get(doc) < value,
        "LTE": lambda doc: get(doc) <= value,
    }[operator]


def _refuse(message: str) -> httpx.Response:
    return httpx.Response(
        400,
        json={"status": "error", "category": "VALIDATION_ERROR", "message": message},
    )
