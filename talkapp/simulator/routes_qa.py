"""The QA paths under ``/_simulator``: settings, imports, counters, a full contact.

They need no token and skip HubSpot's faults and limits, so a test or the
HubSpot window can still steer a simulator that is busy failing on purpose.
"""

from __future__ import annotations

import logging
import uuid

from starlette.requests import Request
from starlette.responses import Response

from talkapp.simulator.errors import PortalError, bad_request
from talkapp.simulator.http import JSON, error_response, read_json, simulator_of
from talkapp.simulator.portal import SOURCE_IMPORT, SOURCE_UI
from talkapp.simulator.render import now_iso, render
from talkapp.simulator.routes_crm import apply_batch_update, batch_inputs

log = logging.getLogger("talkapp.simulator")


async def qa_settings(request: Request) -> Response:
    """The QA settings; a PATCH changes them and puts them in force at once."""
    sim = simulator_of(request)
    if request.method == "PATCH":
        try:
            body = await read_json(request)
            sim.settings = sim.settings.patched(body)
        except PortalError as error:
            return error_response(error, str(uuid.uuid4()))
        sim.apply_settings()
        log.info("simulator settings changed: %s", sorted(body))
    return JSON({**sim.settings.public(), "contacts": sim.portal.count()})


async def qa_import(request: Request) -> Response:
    """Apply many changes under one shared timestamp, as a HubSpot import does."""
    started = now_iso()
    try:
        body = await read_json(request)
    except PortalError as error:
        return error_response(error, str(uuid.uuid4()))
    source = body.get("changeSource", SOURCE_IMPORT) if isinstance(body, dict) else ""
    if source not in (SOURCE_IMPORT, SOURCE_UI):
        error = bad_request("changeSource must be IMPORT or CRM_UI")
        return error_response(error, str(uuid.uuid4()))
    try:
        inputs = batch_inputs(body, 10_000)
        return apply_batch_update(simulator_of(request).portal, inputs, source, started)
    except PortalError as error:
        return error_response(error, str(uuid.uuid4()))


async def qa_stats(request: Request) -> Response:
    """Requests by kind, contacts and webhook deliveries, for tests and benches."""
    sim = simulator_of(request)
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
    portal = simulator_of(request).portal
    try:
        contact = portal.get(request.path_params["id"])
    except PortalError as error:
        return error_response(error, str(uuid.uuid4()))
    return JSON(render(contact, list(portal.properties), ["hs_lead_status"]))


__all__ = ["qa_contact", "qa_import", "qa_settings", "qa_stats"]
