"""The simulator's HTTP face: HubSpot's CRM v3 paths plus a small QA API.

Every HubSpot path goes through ``_hubspot``: injected latency, "offline",
random 5xx, the bearer token and its scopes, then the rate limits, and the
``X-HubSpot-RateLimit-*`` headers on the answer. QA paths live under
``/_simulator`` and need no token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talkapp.simulator import state
from talkapp.simulator.config import SimulatorConfig
from talkapp.simulator.errors import PortalError, bad_request, not_found
from talkapp.simulator.limits import RateLimits
from talkapp.simulator.portal import (
    SOURCE_API,
    SOURCE_IMPORT,
    SOURCE_UI,
    Contact,
    Portal,
    iso,
)
from talkapp.simulator.properties import ALWAYS_READ, DEFAULT_READ
from talkapp.simulator.qa import Settings
from talkapp.simulator.search import search as run_search
from talkapp.simulator.webhooks import WebhookDispatcher

log = logging.getLogger("talkapp.simulator")

READ = "crm.objects.contacts.read"
WRITE = "crm.objects.contacts.write"
SCHEMA_READ = "crm.schemas.contacts.read"
SCHEMA_WRITE = "crm.schemas.contacts.write"
MAX_BATCH = 100
MAX_BATCH_WITH_HISTORY = 50
MAX_PAGE = 100

Handler = Callable[[Request], Awaitable[Response]]


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Simulator:
    """Everything one running simulator holds; kept on ``app.state.simulator``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.portal = Portal(contacts=config.contacts, seed=config.seed)
        if config.state_file is not None:
            state.load_into(self.portal, config.state_file)
        self.settings = Settings.from_config(config)
        self.limits = RateLimits(
            config.rate_limit, config.search_rate_limit, config.daily_limit
        )
        self.scopes = config.scopes_by_token()
        self.random = random.Random(config.seed)
        self.requests: Counter[str] = Counter()
        self.webhooks: WebhookDispatcher | None = None
        if config.webhook_url:
            self.set_webhook(config.webhook_url, config.webhook_secret or "")

    def set_webhook(self, url: str | None, secret: str) -> None:
        if self.webhooks is not None:
            self.portal.listeners.remove(self.webhooks.on_changes)
        self.webhooks = None
        if url:
            self.webhooks = WebhookDispatcher(
                url,
                secret,
                portal_id=self.config.portal_id,
                app_id=self.config.app_id,
                retry_initial_s=self.config.webhook_retry_initial_s,
                max_attempts=self.config.webhook_max_attempts,
            )
            self.portal.listeners.append(self.webhooks.on_changes)

    def apply_settings(self) -> None:
        """Push the QA settings into the parts that enforce them."""
        self.limits.limit = self.settings.rate_limit
        self.limits.search_limit = self.settings.search_rate_limit
        self.limits.daily_limit = self.settings.daily_limit
        self.portal.search_lag_ms = self.settings.search_lag_ms


def _sim(request: Request) -> Simulator:
    return request.app.state.simulator


def _hubspot(
    scope: str | None, *, search: bool = False, kind: str = ""
) -> Callable[[Handler], Handler]:
    """Wrap a handler with HubSpot's faults, auth and limits."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            sim = _sim(request)
            settings = sim.settings
            correlation = str(uuid.uuid4())
            sim.requests[kind or handler.__name__] += 1

            if settings.latency_ms:
                await asyncio.sleep(settings.latency_ms / 1000)
            if settings.offline:
                return _error(
                    PortalError(
                        503, "SERVICE_UNAVAILABLE", "HubSpot is temporarily unavailable"
                    ),
                    correlation,
                )
            if settings.error_rate and sim.random.random() < settings.error_rate:
                status = sim.random.choice((502, 503))
                return _error(
                    PortalError(
                        status,
                        "INTERNAL_ERROR",
                        "The server encountered a temporary error",
                    ),
                    correlation,
                )

            token = _bearer(request)
            if token is None or token not in sim.scopes:
                return _error(_unauthenticated(token is None), correlation)
            if scope is not None and scope not in sim.scopes[token]:
                return _error(_missing_scope(scope), correlation)

            verdict = sim.limits.check(token, search=search)
            if not verdict.allowed:
                sim.requests["429"] += 1
                response = JSON(
                    {
                        "status": "error",
                        "message": f"You have reached your "
                        f"{verdict.policy.lower()} limit.",
                        "errorType": "RATE_LIMIT",
                        "correlationId": correlation,
                        "policyName": verdict.policy,
                        "groupName": "api",
                    },
                    status_code=429,
                )
            else:
                try:
                    response = await handler(request)
                except PortalError as error:
                    response = _error(error, correlation)
            response.headers.update(verdict.headers)
            response.headers["X-HubSpot-Correlation-Id"] = correlation
            return response

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthenticated(missing: bool) -> PortalError:
    if missing:
        message = (
            "Authentication credentials not found. This API supports OAuth 2.0 "
            "authentication and you can find more details at "
            "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
        )
    else:
        message = "The access token provided is invalid or has been revoked."
    return PortalError(401, "INVALID_AUTHENTICATION", message)


def _missing_scope(scope: str) -> PortalError:
    return PortalError(
        403,
        "MISSING_SCOPES",
        "This app hasn't been granted all required scopes to make this call. "
        "Read more about required scopes here: https://developers.hubspot.com/scopes.",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": [scope]},
            }
        ],
    )


def _error(error: PortalError, correlation: str) -> Response:
    return JSON(error.body(correlation), status_code=error.status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as error:
        raise bad_request(f"Invalid input JSON: {error}") from None


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


def render(
    contact: Contact,
    names: list[str] | None,
    history: list[str] | None = None,
    properties: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A contact as HubSpot's v3 API shows it."""
    props = contact.properties if properties is None else properties
    wanted = list(DEFAULT_READ if names is None else names) + list(ALWAYS_READ)
    body: dict[str, Any] = {
        "id": str(contact.id),
        "properties": {name: props.get(name) for name in wanted},
        "createdAt": iso(contact.created_ms),
        "updatedAt": iso(int(props.get("lastmodifieddate", contact.updated_ms))),
        "archived": contact.archived,
    }
    if contact.archived:
        body["archivedAt"] = iso(contact.updated_ms)
    if history:
        body["propertiesWithHistory"] = {
            name: [
                {
                    "value": value,
                    "timestamp": iso(at),
                    "sourceType": source,
                    **({"sourceId": source_id} if source_id else {}),
                }
                for value, at, source, source_id in reversed(contact.history_of(name))
            ]
            for name in history
        }
    return body


def _now_iso() -> str:
    return iso(time.time_ns() // 1_000_000)


# -- properties ----------------------------------------------------------------


@_hubspot(SCHEMA_READ, kind="property")
async def list_properties(request: Request) -> Response:
    return JSON({"results": list(_sim(request).portal.properties.values())})


@_hubspot(SCHEMA_READ, kind="property")
async def get_property(request: Request) -> Response:
    name = request.path_params["name"]
    return JSON(_sim(request).portal.get_property(name))


@_hubspot(SCHEMA_WRITE, kind="property_update")
async def patch_property(request: Request) -> Response:
    body = await _json(request)
    if not isinstance(body, dict):
        raise bad_request("property update must be a JSON object")
    prop = _sim(request).portal.update_property(request.path_params["name"], body)
    return JSON(prop)


# -- contacts ------------------------------------------------------------------


@_hubspot(READ, kind="list")
async def list_contacts(request: Request) -> Response:
    portal = _sim(request).portal
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


@_hubspot(READ, kind="get")
async def get_contact(request: Request) -> Response:
    portal = _sim(request).portal
    contact_id = request.path_params["id"]
    if request.query_params.get("idProperty") not in (None, "hs_object_id"):
        raise bad_request("only hs_object_id is supported as idProperty")
    contact = portal.get(contact_id, archived=_flag(request, "archived"))
    names = _names(request, "properties")
    return JSON(render(contact, names, _names(request, "propertiesWithHistory")))


@_hubspot(WRITE, kind="create")
async def create_contact(request: Request) -> Response:
    body = await _json(request)
    if not isinstance(body, dict):
        raise bad_request("create needs a JSON object with 'properties'")
    properties = body.get("properties")
    contact = _sim(request).portal.create(properties or {}, SOURCE_API)
    return JSON(render(contact, list(properties or {})), status_code=201)


@_hubspot(WRITE, kind="update")
async def update_contact(request: Request) -> Response:
    body = await _json(request)
    properties = body.get("properties") if isinstance(body, dict) else None
    if properties is None:
        raise bad_request("update needs a 'properties' object")
    portal = _sim(request).portal
    contact = portal.update(request.path_params["id"], properties, SOURCE_API)
    return JSON(render(contact, list(properties)))


@_hubspot(WRITE, kind="archive")
async def archive_contact(request: Request) -> Response:
    portal = _sim(request).portal
    with contextlib.suppress(PortalError):  # HubSpot answers 204 for unknown ids too
        portal.archive(request.path_params["id"])
    return Response(status_code=204)


def _inputs(body: Any, limit: int) -> list[dict[str, Any]]:
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
        "completedAt": _now_iso(),
    }
    if errors:
        body["numErrors"] = len(errors)
        # HubSpot's StandardError schema requires these; its clients may check.
        body["errors"] = [
            {"context": {}, "errors": [], "links": {}, **error} for error in errors
        ]
    return JSON(body, status_code=207 if errors else 200)


@_hubspot(READ, kind="batch_read")
async def batch_read(request: Request) -> Response:
    started = _now_iso()
    body = await _json(request)
    history = (
        _body_names(body, "propertiesWithHistory") if isinstance(body, dict) else None
    )
    inputs = _inputs(body, MAX_BATCH_WITH_HISTORY if history else MAX_BATCH)
    if body.get("idProperty") not in (None, "hs_object_id"):
        raise bad_request("only hs_object_id is supported as idProperty")
    portal = _sim(request).portal
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


@_hubspot(WRITE, kind="batch_update")
async def batch_update(request: Request) -> Response:
    started = _now_iso()
    body = await _json(request)
    inputs = _inputs(body, MAX_BATCH)
    return _batch_update(_sim(request).portal, inputs, SOURCE_API, started)


def _batch_update(
    portal: Portal, inputs: list[dict[str, Any]], source: str, started: str
) -> Response:
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


@_hubspot(READ, search=True, kind="search")
async def search_contacts(request: Request) -> Response:
    body = await _json(request)
    portal = _sim(request).portal
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
    sim = _sim(request)
    body = await _json(request)
    token = body.get("tokenKey") if isinstance(body, dict) else None
    correlation = str(uuid.uuid4())
    if not token or token not in sim.scopes:
        return _error(_unauthenticated(not token), correlation)
    return JSON(
        {
            "userId": 1,
            "hubId": sim.config.portal_id,
            "appId": sim.config.app_id,
            "scopes": list(sim.scopes[token]),
            "userEmail": "owner@example.com",
        }
    )


# -- QA ------------------------------------------------------------------------


async def qa_settings(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "PATCH":
        try:
            body = await _json(request)
            sim.settings = sim.settings.patched(body)
        except PortalError as error:
            return _error(error, str(uuid.uuid4()))
        sim.apply_settings()
        log.info("simulator settings changed: %s", sorted(body))
    return JSON({**sim.settings.public(), "contacts": sim.portal.count()})


async def qa_import(request: Request) -> Response:
    """Apply many changes under one shared timestamp, as a HubSpot import does."""
    started = _now_iso()
    try:
        body = await _json(request)
    except PortalError as error:
        return _error(error, str(uuid.uuid4()))
    source = body.get("changeSource", SOURCE_IMPORT) if isinstance(body, dict) else ""
    if source not in (SOURCE_IMPORT, SOURCE_UI):
        error = bad_request("changeSource must be IMPORT or CRM_UI")
        return _error(error, str(uuid.uuid4()))
    try:
        inputs = _inputs(body, 10_000)
        return _batch_update(_sim(request).portal, inputs, source, started)
    except PortalError as error:
        return _error(error, str(uuid.uuid4()))


async def qa_stats(request: Request) -> Response:
    sim = _sim(request)
    hooks = sim.webhooks
    return JSON(
        {
            "requests": dict(sim.requests),
            "contacts": sim.portal.count(),
            "webhooks_delivered": hooks.delivered if hooks else 0,
            "webhook_batches_failed": hooks.failed_batches if hooks else 0,
        }
    )


async def qa_contact(request: Request) -> Response:
    """A contact with every property, for the HubSpot window and tests."""
    portal = _sim(request).portal
    try:
        contact = portal.get(request.path_params["id"])
    except PortalError as error:
        return _error(error, str(uuid.uuid4()))
    return JSON(render(contact, list(portal.properties), ["hs_lead_status"]))


async def _unrouted(request: Request, exc: Exception) -> Response:
    """No route or method: still HubSpot's JSON error shape, not Starlette's text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    category = "OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    message = f"{request.method} {request.url.path}: HTTP {status}"
    if isinstance(exc, HTTPException) and exc.detail:
        message += f" {exc.detail}"
    response = _error(PortalError(status, category, message), str(uuid.uuid4()))
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)
    return response


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """A simulated HubSpot portal as an ASGI app."""
    config = config or SimulatorConfig()
    simulator = Simulator(config)
    simulator.apply_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        saver = None
        if config.state_file is not None:
            saver = asyncio.create_task(
                state.keep_saved(simulator.portal, config.state_file)
            )
        try:
            yield
        finally:
            if saver is not None:
                saver.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await saver
                state.save(simulator.portal, config.state_file)
            if simulator.webhooks is not None:
                await simulator.webhooks.aclose()

    base = "/crm/v3/objects/contacts"
    routes = [
        Route("/crm/v3/properties/contacts", list_properties, methods=["GET"]),
        Route("/crm/v3/properties/contacts/{name}", get_property, methods=["GET"]),
        Route("/crm/v3/properties/contacts/{name}", patch_property, methods=["PATCH"]),
        Route(base, list_contacts, methods=["GET"]),
        Route(base, create_contact, methods=["POST"]),
        Route(f"{base}/batch/read", batch_read, methods=["POST"]),
        Route(f"{base}/batch/update", batch_update, methods=["POST"]),
        Route(f"{base}/search", search_contacts, methods=["POST"]),
        Route(base + "/{id}", get_contact, methods=["GET"]),
        Route(base + "/{id}", update_contact, methods=["PATCH"]),
        Route(base + "/{id}", archive_contact, methods=["DELETE"]),
        Route(
            "/oauth/v2/private-apps/get/access-token-info", token_info, methods=["POST"]
        ),
        Route("/_simulator/settings", qa_settings, methods=["GET", "PATCH"]),
        Route("/_simulator/import", qa_import, methods=["POST"]),
        Route("/_simulator/stats", qa_stats, methods=["GET"]),
        Route("/_simulator/contacts/{id}", qa_contact, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _unrouted},
    )
    app.state.simulator = simulator
    app.state.portal = simulator.portal
    return app


__all__ = ["Simulator", "create_app", "not_found"]
