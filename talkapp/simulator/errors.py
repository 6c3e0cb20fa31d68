"""HubSpot-shaped errors raised by the simulated portal."""

from __future__ import annotations

import json
from typing import Any


class PortalError(Exception):
    """An error HubSpot would answer with; the app turns it into its JSON body."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
        sub_category: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.context = context
        self.sub_category = sub_category

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON body HubSpot sends for this error."""
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.errors:
            body["errors"] = self.errors
        if self.context:
            body["context"] = self.context
        return body


def not_found(object_id: object) -> PortalError:
    return PortalError(
        404,
        "OBJECT_NOT_FOUND",
        f"resource not found: no contact with id {object_id}",
        context={"id": [str(object_id)]},
    )


def bad_request(message: str, **context: list[str]) -> PortalError:
    return PortalError(400, "VALIDATION_ERROR", message, context=context or None)


def invalid_values(problems: list[dict[str, Any]]) -> PortalError:
    """HubSpot's answer to property values it refuses (unknown option, read-only)."""
    legacy = [
        {
            "isValid": False,
            "message": problem["message"],
            "error": problem["code"],
            "name": problem["context"]["propertyName"][0],
        }
        for problem in problems
    ]
    return PortalError(
        400,
        "VALIDATION_ERROR",
        f"Property values were not valid: {json.dumps(legacy)}",
        errors=problems,
    )
