"""HubSpot's own paths: contact properties, contacts, batches, search, tokens.

Each handler does only the CRM work; ``hubspot_endpoint`` in front of it brings
the faults, the token check and the rate limits every HubSpot path shares.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from talkapp.simulator.errors import PortalError, bad_request
from talkapp.simulator.http import (
    JSON,
    error_response,
    hubspot_endpoint,
    read_json,
    simulator_of,
    unauthenticated,
)
from talkapp.simulator.portal import SOURCE_API, Portal
from talkapp.simulator.render import now_iso, render
from talkapp.simulator.search import search as run_search

READ = "crm.objects.contacts.read"
WRITE = "crm.objects.contacts.write"
SCHEMA_READ = "crm.schemas.contacts.read"
SCHEMA_WRITE = "crm.schemas.contacts.write"
MAX_BATCH = 100
MAX_BATCH_WITH_HISTORY = 50
MAX_PAGE = 100


def _names(request: Request, key: str) -> list[str] | None:
    """A list query parameter, given repeated or comma-separated."""
    values = request.query_params.getlist(key)
    if not values:
        return None
    return [name for value in values for name in value.split(",") if name]


def _body_names(body: dict[str, Any], key: str) -> list[str] | None:
    """A list of property names in a JSON body; 400 unless a list of strings."""
    names = body.get(key)
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise bad_request(f"'{key}' must be a list of property names")
    return names


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "10")
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit must be a whole number, got {raw!r}") from None
    if not 1 <= limit <= MAX_PAGE:
        raise bad_request(f"limit must be between 1 and {MAX_PAGE}")
    return limit


def _flag(request: Request, key: str) -> bool:
    return request.query_params.get(key, "false").lower() == "true"


# -- properties ----------------------------------------------------------------


@hubspot_endpoint(SCHEMA_READ, kind="property")
async def list_properties(request: Request) -> Response:
    return JSON({"results": list(simulator_of(request).portal.properties.values())})


@hubspot_endpoint(SCHEMA_READ, kind="property")
async def get_property(request: Request) -> Response:
    name = request.path_params["name"]
    return JSON(simulator_of(request).portal.get_property(name))


@hubspot_endpoint(SCHEMA_WRITE, kind="property_update")
async def patch_property(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("property update must be a JSON object")
    portal = simulator_of(request).portal
    prop = portal.update_property(request.path_params["name"], body)
    return JSON(prop)


# -- contacts ------------------------------------------------------------------


@hubspot_endpoint(READ, kind="list")
async def list_contacts(request: Request) -> Response:
    portal = simulator_of(request).portal
    names = _names(request, "properties")
    history = _names(request, "propertiesWithHistory")
    limit = _limit(request)
    if history and limit > MAX_BATCH_WITH_HISTORY:
        limit = MAX_BATCH_WITH_HISTORY
    contacts, following = portal.page(
        request.query_params.get("after"), limit, archived=_flag(request, "archived")
    )
    body: dict[str, Any] = {"results": [render(c, names, history) for c in contacts]}
    if following is not None:
        link = request.url.include_query_params(after=following)
        body["paging"] = {"next": {"after": following, "link": str(link)}}
    return JSON(body)


@hubspot_endpoint(READ, kind="get")
async def get_contact(request: Request) -> Response:
    portal = simulator_of(request).portal
    contact_id = request.path_params["id"]
    if request.query_params.get("idProperty") not in (None, "hs_object_id"):
        raise bad_request("only hs_object_id is supported as idProperty")
    contact = portal.get(contact_id, archived=_flag(request, "archived"))
    names = _names(request, "properties")
    return JSON(render(contact, names, _names(request, "propertiesWithHistory")))


@hubspot_endpoint(WRITE, kind="create")
async def create_contact(request: Request) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("create needs a JSON object with 'properties'")
    properties = body.get("properties")
    contact = simulator_of(request).portal.create(properties or {}, SOURCE_API)
    return JSON(render(contact, list(properties or {})), status_code=201)


@hubspot_endpoint(WRITE, kind="update")
async def update_contact(request: Request) -> Response:
    body = await read_json(request)
    properties = body.get("properties") if isinstance(body, dict) else None
    if properties is None:
        raise bad_request("update needs a 'properties' object")
    portal = simulator_of(request).portal
    contact = portal.update(request.path_params["id"], properties, SOURCE_API)
    return JSON(render(contact, list(properties)))


@hubspot_endpoint(WRITE, kind="archive")
async def archive_contact(request: Request) -> Response:
    portal = simulator_of(request).portal
    with contextlib.suppress(PortalError):  # HubSpot answers 204 for unknown ids too
        portal.archive(request.path_params["id"])
    return Response(status_code=204)


# -- batches and search --------------------------------------------------------


def batch_inputs(body: Any, limit: int) -> list[dict[str, Any]]:
    """A batch body's ``inputs``; 400 unless a list of at most ``limit`` objects."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad_request("the body needs an 'inputs' list of objects")
    if len(inputs) > limit:
        raise bad_request(
            f"Too many inputs: {len(inputs)}; a batch takes at most {limit}",
        )
    return inputs


def _batch_body(
    results: list[dict[str, Any]], errors: list[dict[str, Any]], started: str
) -> Response:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": now_iso(),
    }
    if errors:
        body["numErrors"] = len(errors)
        # HubSpot's StandardError schema requires these; its clients may check.
        body["errors"] = [
            {"context": {}, "errors": [], "links": {}, **error} for error in errors
        ]
    return JSON(body, status_code=207 if errors else 200)


@hubspot_endpoint(READ, kind="batch_read")
async def batch_read(request: Request) -> Response:
    started = now_iso()
    body = await read_json(request)
    history = (
        _body_names(body, "propertiesWithHistory") if isinstance(body, dict) else None
    )
    inputs = batch_inputs(body, MAX_BATCH_WITH_HISTORY if history else MAX_BATCH)
    if body.get("idProperty") not in (None, "hs_object_id"):
        raise bad_request("only hs_object_id is supported as idProperty")
    portal = simulator_of(request).portal
    names = _body_names(body, "properties") or None
    results, missing = [], []
    archived = bool(body.get("archived"))
    for item in inputs:
        try:
            contact = portal.get(str(item.get("id")), archived=archived)
        except PortalError:
            missing.append(str(item.get("id")))
            continue
        results.append(render(contact, names, history))
    errors = []
    if missing:
        errors.append(
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or "
                "not exist. Check that ids are valid.",
                "context": {"ids": missing},
            }
        )
    return _batch_body(results, errors, started)


@hubspot_endpoint(WRITE, kind="batch_update")
async def batch_update(request: Request) -> Response:
    started = now_iso()
    body = await read_json(request)
    inputs = batch_inputs(body, MAX_BATCH)
    return apply_batch_update(simulator_of(request).portal, inputs, SOURCE_API, started)


def apply_batch_update(
    portal: Portal, inputs: list[dict[str, Any]], source: str, started: str
) -> Response:
    """Update many contacts and answer as HubSpot's batch update does.

    The QA import uses it too, with its own change source.
    """
    ids = [str(item.get("id")) for item in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise bad_request(f"Duplicate IDs found in batch input: {duplicates}")
    pairs = [(i, item.get("properties")) for i, item in zip(ids, inputs, strict=True)]
    contacts, failures = portal.batch_update(pairs, source)
    names = sorted(
        {name for _, props in pairs if isinstance(props, dict) for name in props}
    )
    errors = [
        {**failure.body(str(uuid.uuid4())), "status": "error"} for failure in failures
    ]
    for error in errors:
        error.pop("correlationId", None)
    return _batch_body([render(c, names) for c in contacts], errors, started)


@hubspot_endpoint(READ, search=True, kind="search")
async def search_contacts(request: Request) -> Response:
    body = await read_json(request)
    portal = simulator_of(request).portal
    result = run_search(portal.index, body, set(portal.properties))
    names = _body_names(body, "properties") or None
    docs = portal.index.docs
    page: dict[str, Any] = {
        "total": result.total,
        "results": [
            render(portal.contacts[i], names, properties=docs[i]) for i in result.ids
        ],
    }
    if result.after is not None:
        page["paging"] = {"next": {"after": result.after}}
    return JSON(page)


# -- auth ----------------------------------------------------------------------


async def token_info(request: Request) -> Response:
    """HubSpot's private-app token introspection, used to check scopes."""
    sim = simulator_of(request)
    body = await read_json(request)
    token = body.get("tokenKey") if isinstance(body, dict) else None
    correlation = str(uuid.uuid4())
    if not token or token not in sim.scopes:
        return error_response(unauthenticated(not token), correlation)
    return JSON(
        {
            "userId": 1,
            "hubId": sim.config.portal_id,
            "appId": sim.config.app_id,
            "scopes": list(sim.scopes[token]),
            "userEmail": "owner@example.com",
        }
    )


__all__ = [
    "apply_batch_update",
    "archive_contact",
    "batch_inputs",
    "batch_read",
    "batch_update",
    "create_contact",
    "get_contact",
    "get_property",
    "list_contacts",
    "list_properties",
    "patch_property",
    "search_contacts",
    "token_info",
    "update_contact",
]
