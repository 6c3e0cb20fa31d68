"""What every simulator route shares: HubSpot's gate in front of each path, and
its JSON and error shapes.

It lives apart from ``app`` so the route modules can use it while ``app`` imports
them to build its routes table.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from talkapp.simulator.errors import PortalError, bad_request

if TYPE_CHECKING:
    from talkapp.simulator.app import Simulator

Handler = Callable[[Request], Awaitable[Response]]


class JSON(Response):
    """Every answer HubSpot gives is JSON; orjson writes it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def simulator_of(request: Request) -> Simulator:
    """The simulator that owns this request's app."""
    return request.app.state.simulator


def hubspot_endpoint(
    scope: str | None, *, search: bool = False, kind: str = ""
) -> Callable[[Handler], Handler]:
    """Wrap a handler with HubSpot's faults, auth and limits."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            sim = simulator_of(request)
            settings = sim.settings
            correlation = str(uuid.uuid4())
            sim.requests[kind or handler.__name__] += 1

            if settings.latency_ms:
                await asyncio.sleep(settings.latency_ms / 1000)
            if settings.offline:
                return error_response(
                    PortalError(
                        503, "SERVICE_UNAVAILABLE", "HubSpot is temporarily unavailable"
                    ),
                    correlation,
                )
            if settings.error_rate and sim.random.random() < settings.error_rate:
                status = sim.random.choice((502, 503))
                return error_response(
                    PortalError(
                        status,
                        "INTERNAL_ERROR",
                        "The server encountered a temporary error",
                    ),
                    correlation,
                )

            token = _bearer(request)
            if token is None or token not in sim.scopes:
                return error_response(unauthenticated(token is None), correlation)
            if scope is not None and scope not in sim.scopes[token]:
                return error_response(_missing_scope(scope), correlation)

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
                    response = error_response(error, correlation)
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


def unauthenticated(missing: bool) -> PortalError:
    """HubSpot's 401, worded as it words a missing token or a bad one."""
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


def error_response(error: PortalError, correlation: str) -> Response:
    """An error as HubSpot answers it: its JSON body under its status."""
    return JSON(error.body(correlation), status_code=error.status)


async def read_json(request: Request) -> Any:
    """The request's JSON body (``{}`` when empty); 400 when it does not parse."""
    raw = await request.body()
    try:
        return orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as error:
        raise bad_request(f"Invalid input JSON: {error}") from None


__all__ = [
    "JSON",
    "Handler",
    "error_response",
    "hubspot_endpoint",
    "read_json",
    "simulator_of",
    "unauthenticated",
]
