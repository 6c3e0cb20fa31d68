"""HubSpot's error JSON becomes typed errors with one-line messages."""

from __future__ import annotations

import json

import httpx
import pytest
from hubspot_fakes import MakeClient

from talkapp.hubspot import (
    AuthenticationError,
    ConflictError,
    HubSpotError,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from talkapp.hubspot.errors import error_from_body, find_invalid_option

LEAD_STATUSES = ["NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT"]


def hubspot_error(category: str, message: str, **extra: object) -> dict[str, object]:
    return {
        "status": "error",
        "message": message,
        "correlationId": "4f2a7c1e-aaaa-bbbb-cccc-123456789abc",
        "category": category,
        **extra,
    }


def simulator_invalid_option() -> dict[str, object]:
    """The shape our simulator (and HubSpot's newer endpoints) send."""
    text = f"FOO was not one of the allowed options: [{', '.join(LEAD_STATUSES)}]"
    legacy = [
        {
            "isValid": False,
            "message": text,
            "error": "INVALID_OPTION",
            "name": "hs_lead_status",
        }
    ]
    return hubspot_error(
        "VALIDATION_ERROR",
        f"Property values were not valid: {json.dumps(legacy)}",
        errors=[
            {
                "message": text,
                "code": "INVALID_OPTION",
                "context": {
                    "propertyName": ["hs_lead_status"],
                    "value": ["FOO"],
                    "allowedOptions": LEAD_STATUSES,
                },
            }
        ],
    )


def classic_invalid_option() -> dict[str, object]:
    """HubSpot's classic shape: everything packed into the message string,
    the options printed as protobuf-like records."""
    records = ", ".join(
        f'label: "{v.title()}"\nvalue: "{v}"\ndisplay_order: {i}\n'
        f'double_data: 0.0\nhidden: false\ndescription: ""\nread_only: false\n'
        for i, v in enumerate(LEAD_STATUSES)
    )
    legacy = [
        {
            "isValid": False,
            "message": f"FOO was not one of the allowed options: [{records}]",
            "error": "INVALID_OPTION",
            "name": "hs_lead_status",
            "localizedErrorMessage": "Property values were not valid",
            "portalId": 62515,
        }
    ]
    return hubspot_error(
        "VALIDATION_ERROR", f"Property values were not valid: {json.dumps(legacy)}"
    )


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (
            401,
            hubspot_error(
                "INVALID_AUTHENTICATION",
                "Authentication credentials not "
                "found. This API supports OAuth 2.0 authentication",
            ),
            AuthenticationError,
            "HubSpot rejected the access token (401)",
        ),
        (
            403,
            hubspot_error(
                "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call.",
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {
                            "requiredGranularScopes": ["crm.objects.contacts.write"]
                        },
                    }
                ],
            ),
            MissingScopeError,
            "The HubSpot access token lacks scopes: crm.objects.contacts.write",
        ),
        (
            404,
            hubspot_error("OBJECT_NOT_FOUND", "resource not found"),
            NotFoundError,
            "Not found in HubSpot: resource not found",
        ),
        (
            409,
            hubspot_error("CONFLICT", "Contact already exists. Existing ID: 12"),
            ConflictError,
            "HubSpot reported a conflict: Contact already exists. Existing ID: 12",
        ),
        (
            400,
            hubspot_error("VALIDATION_ERROR", "limit must be\nbetween 1 and 100"),
            ValidationError,
            "HubSpot refused the request: limit must be between 1 and 100",
        ),
        (
            429,
            {
                "status": "error",
                "message": "You have reached your daily limit.",
                "errorType": "RATE_LIMIT",
                "policyName": "DAILY",
            },
            RateLimitedError,
            "HubSpot's daily API limit for this token is used up (429 DAILY)",
        ),
        (418, "<html>teapot</html>", HubSpotError, "HubSpot error (418): teapot"),
    ],
)
def test_error_json_becomes_a_typed_error_with_one_line(
    status: int, body: object, kind: type[HubSpotError], text: str
) -> None:
    error = error_from_body(status, body, fallback="teapot")

    assert type(error) is kind
    assert str(error) == text
    assert "\n" not in str(error)
    assert error.status == status


def test_error_keeps_hubspot_category_and_correlation_id() -> None:
    error = error_from_body(404, hubspot_error("OBJECT_NOT_FOUND", "gone"), fallback="")

    assert error.category == "OBJECT_NOT_FOUND"
    assert error.correlation_id == "4f2a7c1e-aaaa-bbbb-cccc-123456789abc"
    assert error.message == "gone"


@pytest.mark.parametrize(
    "body",
    [simulator_invalid_option(), classic_invalid_option()],
    ids=["sim", "classic"],
)
def test_invalid_option_details_are_found_in_either_shape(body: dict) -> None:
    error = error_from_body(400, body, fallback="")

    assert isinstance(error, ValidationError)
    assert error.property_name == "hs_lead_status"
    assert error.invalid_value == "FOO"
    assert error.allowed_options == LEAD_STATUSES
    assert str(error) == (
        "HubSpot refused 'FOO' for hs_lead_status: not one of its options "
        "(NEW, OPEN, IN_PROGRESS, ATTEMPTED_TO_CONTACT)"
    )


def test_invalid_option_in_a_plain_message() -> None:
    found = find_invalid_option("BAR was not one of the allowed options: [A, B]")

    assert found is not None
    assert (found.invalid_value, found.allowed_options) == ("BAR", ("A", "B"))


def test_unrelated_validation_error_has_no_option_details() -> None:
    error = error_from_body(400, hubspot_error("VALIDATION_ERROR", "bad"), fallback="")

    assert isinstance(error, ValidationError)
    assert error.invalid_option is None
    assert error.allowed_options == []


def test_long_messages_are_cut_to_one_readable_line() -> None:
    body = hubspot_error("VALIDATION_ERROR", "word\n" * 500)

    text = str(error_from_body(400, body, fallback=""))

    assert "\n" not in text
    assert len(text) < 400


async def test_client_raises_the_typed_error(make_client: MakeClient) -> None:
    client = make_client(
        lambda request: httpx.Response(400, json=simulator_invalid_option())
    )

    with pytest.raises(ValidationError) as caught:
        await client.update_contact("7", {"hs_lead_status": "FOO"})

    assert caught.value.allowed_options == LEAD_STATUSES
