"""Typed errors for the HubSpot client, made from HubSpot's error JSON.

Every error's ``str()`` is one line a person can act on, and no error ever
carries the access token: the client redacts it before building one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "HubSpotError",
    "InvalidOption",
    "MissingScopeError",
    "NotFoundError",
    "RateLimitedError",
    "UnavailableError",
    "ValidationError",
    "error_from_body",
    "find_invalid_option",
]

_MAX_MESSAGE = 300


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace and cut long server messages down to size."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class HubSpotError(Exception):
    """Any failure talking to HubSpot; the subclasses say which kind.

    ``message`` is HubSpot's own text (one line, cut to a readable length),
    ``category`` its error category, ``errors`` and ``context`` the detail
    HubSpot sent, kept for callers that want to dig.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.message = one_line(message)
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.errors = errors or []
        self.context = context or {}
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The one-line text shown to people."""
        status = f" ({self.status})" if self.status else ""
        return f"HubSpot error{status}: {self.message}"


class AuthenticationError(HubSpotError):
    """The token is wrong, expired or revoked (401)."""

    def describe(self) -> str:
        return "HubSpot rejected the access token (401)"


class MissingScopeError(HubSpotError):
    """The token works but lacks scopes Talk needs (403 ``MISSING_SCOPES``)."""

    def __init__(self, message: str, *, missing: Iterable[str] = (), **kw: Any):
        super().__init__(message, **kw)
        self.missing = sorted(set(missing))

    def describe(self) -> str:
        if self.missing:
            return f"The HubSpot access token lacks scopes: {', '.join(self.missing)}"
        return f"The HubSpot access token lacks a required scope: {self.message}"


@dataclass(frozen=True)
class InvalidOption:
    """A value HubSpot refused because it is not one of the property's options."""

    property_name: str | None
    invalid_value: str | None
    allowed_options: tuple[str, ...]

    def describe(self) -> str:
        name = self.property_name or "the property"
        value = "a value" if self.invalid_value is None else repr(self.invalid_value)
        text = f"HubSpot refused {value} for {name}: not one of its options"
        if self.allowed_options:
            text += f" ({', '.join(self.allowed_options)})"
        return text


class ValidationError(HubSpotError):
    """HubSpot refused the request's content (400 ``VALIDATION_ERROR``).

    For an unknown option of an enumeration (``INVALID_OPTION``) the property,
    the refused value and the allowed options are filled in.
    """

    def __init__(self, message: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.invalid_option = find_invalid_option(message, self.errors)

    @property
    def property_name(self) -> str | None:
        return self.invalid_option.property_name if self.invalid_option else None

    @property
    def invalid_value(self) -> str | None:
        return self.invalid_option.invalid_value if self.invalid_option else None

    @property
    def allowed_options(self) -> list[str]:
        return list(self.invalid_option.allowed_options) if self.invalid_option else []

    def describe(self) -> str:
        if self.invalid_option:
            return self.invalid_option.describe()
        return f"HubSpot refused the request: {self.message}"


class NotFoundError(HubSpotError):
    """The object does not exist, or is archived (404 ``OBJECT_NOT_FOUND``)."""

    def describe(self) -> str:
        return f"Not found in HubSpot: {self.message}"


class ConflictError(HubSpotError):
    """The write clashes with existing data, e.g. a duplicate email (409)."""

    def describe(self) -> str:
        return f"HubSpot reported a conflict: {self.message}"


class RateLimitedError(HubSpotError):
    """HubSpot's rate limit held after the client's bounded retries (429).

    ``policy`` is HubSpot's ``policyName``: ``TEN_SECONDLY_ROLLING`` and
    ``SECONDLY`` pass within seconds, ``DAILY`` only the next day, so the
    client gives up on ``DAILY`` at once. ``retry_after`` is the wait, in
    seconds, the client chose (or HubSpot asked for).
    """

    def __init__(
        self,
        message: str,
        *,
        policy: str | None = None,
        retry_after: float | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.policy = policy
        self.retry_after = retry_after

    def describe(self) -> str:
        if self.policy == "DAILY":
            return "HubSpot's daily API limit for this token is used up (429 DAILY)"
        policy = f" ({self.policy})" if self.policy else ""
        return f"HubSpot's rate limit was hit and retries ran out{policy}"


class UnavailableError(HubSpotError):
    """HubSpot could not be reached, timed out, or kept failing with 5xx."""

    def __init__(
        self, message: str, *, may_have_reached_server: bool = True, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        # Tells the retry policy whether a non-idempotent call is safe to repeat.
        self.may_have_reached_server = may_have_reached_server

    def describe(self) -> str:
        return self.message


def error_from_body(status: int, body: Any, *, fallback: str) -> HubSpotError:
    """The typed error for an HTTP error answer whose JSON is ``body``.

    ``fallback`` is used as the message when the body is not HubSpot's JSON
    (a proxy's HTML page, say).
    """
    data: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    message = str(data.get("message") or fallback)
    category = data.get("category")
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
    context = data.get("context") if isinstance(data.get("context"), dict) else None
    kw: dict[str, Any] = {
        "status": status,
        "category": category if isinstance(category, str) else None,
        "correlation_id": data.get("correlationId"),
        "errors": errors,
        "context": context,
    }

    if status == 401 or category == "INVALID_AUTHENTICATION":
        return AuthenticationError(message, **kw)
    if category == "MISSING_SCOPES":
        return MissingScopeError(message, missing=_scopes_in(errors, context), **kw)
    if status == 404 or category == "OBJECT_NOT_FOUND":
        return NotFoundError(message, **kw)
    if status == 409 or category == "CONFLICT":
        return ConflictError(message, **kw)
    if status == 400 or category == "VALIDATION_ERROR":
        return ValidationError(message, **kw)
    if status == 429:
        policy = data.get("policyName")
        return RateLimitedError(message, policy=policy, **kw)
    if status >= 500:
        return UnavailableError(f"HubSpot failed ({status}): {one_line(message)}", **kw)
    return HubSpotError(message, **kw)


def _scopes_in(errors: list[dict[str, Any]], context: Any) -> list[str]:
    """Scope names from any context key that mentions scopes."""
    found: list[str] = []
    contexts = [e.get("context") for e in errors] + [context]
    for ctx in contexts:
        if not isinstance(ctx, dict):
            continue
        for key, value in ctx.items():
            if "scope" in key.lower():
                found.extend(_strings(value))
    return found


# -- INVALID_OPTION ----------------------------------------------------------
# Two shapes reach us. The simulator (and HubSpot's newer endpoints) send
# ``errors: [{"code": "INVALID_OPTION", "context": {"propertyName": [...],
# "value": [...], "allowedOptions": [...]}}]``. HubSpot's classic endpoints
# pack the detail into the top-level message as JSON text:
# ``Property values were not valid: [{"error": "INVALID_OPTION", "name":
# "hs_lead_status", "message": "FOO was not one of the allowed options:
# [...]"}]``, where the option list may be plain values or protobuf-like
# ``label: "New" value: "NEW" ...`` records.

_NOT_ONE_OF = re.compile(
    r"(?P<value>.*?) was not one of the allowed options: \[(?P<options>.*)\]",
    re.DOTALL,
)
_PROTO_VALUE = re.compile(r'\bvalue: "((?:[^"\\]|\\.)*)"')


def find_invalid_option(
    message: str, errors: Iterable[Mapping[str, Any]] = ()
) -> InvalidOption | None:
    """The INVALID_OPTION detail in an error, from either shape, or None."""
    for error in errors:
        if str(error.get("code") or error.get("error") or "") != "INVALID_OPTION":
            continue
        found = _from_context(error.get("context"), str(error.get("message") or ""))
        if found:
            return found

    for item in _legacy_items(message):
        if item.get("error") == "INVALID_OPTION":
            name = item.get("name") or item.get("propertyName")
            return _from_text(str(item.get("message") or ""), name)

    if "allowed options" in message:
        return _from_text(message, None)
    return None


def _from_context(context: Any, message: str) -> InvalidOption | None:
    if not isinstance(context, Mapping):
        return _from_text(message, None) if message else None
    from_text = _from_text(message, None) if message else None
    name = _first(context.get("propertyName") or context.get("name"))
    value = _first(context.get("value"))
    options = _strings(context.get("allowedOptions"))
    if from_text:
        value = value if value is not None else from_text.invalid_value
        options = options or list(from_text.allowed_options)
    return InvalidOption(name, value, tuple(options))


def _from_text(text: str, name: Any) -> InvalidOption:
    match = _NOT_ONE_OF.search(text)
    if not match:
        return InvalidOption(_first(name), None, ())
    options_text = match.group("options")
    proto = _PROTO_VALUE.findall(options_text)
    if proto:
        options = [v.replace('\\"', '"') for v in proto]
    else:
        options = [o.strip().strip('"') for o in options_text.split(",") if o.strip()]
    value = match.group("value").strip().strip('"')
    return InvalidOption(_first(name), value, tuple(options))


def _legacy_items(message: str) -> list[dict[str, Any]]:
    """The JSON list HubSpot embeds after ``Property values were not valid:``."""
    start = message.find("[")
    if "not valid" not in message or start < 0:
        return []
    try:
        items, _ = json.JSONDecoder().raw_decode(message[start:])
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]
