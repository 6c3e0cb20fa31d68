"""The simulator's HTTP face: HubSpot's CRM v3 paths plus a small QA API.

Every HubSpot path goes through ``hubspot_endpoint`` (in ``http``): injected
latency, "offline", random 5xx, the bearer token and its scopes, then the rate
limits, and the ``X-HubSpot-RateLimit-*`` headers on the answer. QA paths live
under ``/_simulator`` and need no token. The handlers live in ``routes_crm`` and
``routes_qa``; this module holds the running simulator and the routes table.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talkapp.simulator import state
from talkapp.simulator.config import SimulatorConfig
from talkapp.simulator.errors import PortalError, not_found
from talkapp.simulator.http import error_response
from talkapp.simulator.limits import RateLimits
from talkapp.simulator.portal import Portal
from talkapp.simulator.qa import Settings
from talkapp.simulator.routes_crm import (
    archive_contact,
    batch_read,
    batch_update,
    create_contact,
    get_contact,
    get_property,
    list_contacts,
    list_properties,
    patch_property,
    search_contacts,
    token_info,
    update_contact,
)
from talkapp.simulator.routes_qa import qa_contact, qa_import, qa_settings, qa_stats
from talkapp.simulator.webhooks import WebhookDispatcher


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


async def _unrouted(request: Request, exc: Exception) -> Response:
    """No route or method: still HubSpot's JSON error shape, not Starlette's text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    category = "OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    message = f"{request.method} {request.url.path}: HTTP {status}"
    if isinstance(exc, HTTPException) and exc.detail:
        message += f" {exc.detail}"
    response = error_response(PortalError(status, category, message), str(uuid.uuid4()))
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
