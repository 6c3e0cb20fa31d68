"""How calls are made: auth, retries, 429 handling, failures, stats, privacy."""

from __future__ import annotations

import logging
import ssl

import httpx
import pytest
from hubspot_fakes import BASE_URL, SECRET, MakeClient, Recorder, contact_json

from talkapp.hubspot import (
    AuthenticationError,
    HubSpotClient,
    HubSpotError,
    RateLimitedError,
    SearchRequest,
    UnavailableError,
    ValidationError,
)
from talkapp.hubspot.transport import tls_context


def ok_contact(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=contact_json(7, email="a@example.com"))


def rate_limited(policy: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        429,
        headers=headers,
        json={
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "policyName": policy,
            "correlationId": "c0ffee",
        },
    )


def failing_first(times: int, failure: httpx.Response) -> Recorder:
    """Answers ``failure`` ``times`` times, then a contact."""

    def handler(request: httpx.Request) -> httpx.Response:
        return failure if recorder.count <= times else ok_contact(request)

    recorder = Recorder(handler)
    return recorder


async def test_sends_the_token_as_a_bearer_header(make_client: MakeClient) -> None:
    recorder = Recorder(ok_contact)
    client = make_client(recorder)

    contact = await client.get_contact(7, properties=["email", "hs_lead_status"])

    request = recorder.requests[0]
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert request.url.path == "/crm/v3/objects/contacts/7"
    assert request.url.params.get_list("properties") == ["email", "hs_lead_status"]
    assert contact.properties["email"] == "a@example.com"


async def test_429_in_the_rolling_window_is_retried_after_retry_after(
    make_client: MakeClient,
) -> None:
    recorder = failing_first(
        2, rate_limited("TEN_SECONDLY_ROLLING", **{"Retry-After": "0"})
    )
    client = make_client(recorder)

    contact = await client.get_contact(7)

    assert contact.id == "7"
    assert recorder.count == 3
    assert client.stats.rate_limited == 2
    assert client.stats.retries == 2
    assert client.stats.requests == 3


async def test_429_without_retry_after_waits_a_share_of_the_interval(
    make_client: MakeClient,
) -> None:
    recorder = failing_first(
        1,
        rate_limited("SECONDLY", **{"X-HubSpot-RateLimit-Interval-Milliseconds": "40"}),
    )
    client = make_client(recorder)

    await client.get_contact(7)

    assert recorder.count == 2


async def test_daily_limit_is_raised_at_once(make_client: MakeClient) -> None:
    recorder = Recorder(
        lambda request: rate_limited(
            "DAILY", **{"X-HubSpot-RateLimit-Daily-Remaining": "0"}
        )
    )
    client = make_client(recorder)

    with pytest.raises(RateLimitedError) as caught:
        await client.get_contact(7)

    assert caught.value.policy == "DAILY"
    assert recorder.count == 1
    assert client.stats.daily_remaining == 0


async def test_429_retries_are_bounded(make_client: MakeClient) -> None:
    recorder = Recorder(
        lambda request: rate_limited("TEN_SECONDLY_ROLLING", **{"Retry-After": "0"})
    )
    client = make_client(recorder, max_attempts=3)

    with pytest.raises(RateLimitedError, match="retries ran out"):
        await client.get_contact(7)

    assert recorder.count == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_a_bounded_number_of_times(
    make_client: MakeClient, status: int
) -> None:
    recorder = Recorder(lambda request: httpx.Response(status))
    client = make_client(recorder, max_attempts=4)

    with pytest.raises(UnavailableError) as caught:
        await client.get_contact(7)

    assert recorder.count == 4
    assert str(caught.value).startswith(
        f"HubSpot is unavailable at {BASE_URL}: {status}"
    )
    assert client.stats.server_errors == 4


async def test_a_passing_blip_is_retried_away(make_client: MakeClient) -> None:
    recorder = failing_first(2, httpx.Response(502))
    client = make_client(recorder)

    assert (await client.get_contact(7)).id == "7"
    assert recorder.count == 3


async def test_client_errors_are_not_retried(make_client: MakeClient) -> None:
    body = {"status": "error", "category": "VALIDATION_ERROR", "message": "nope"}
    recorder = Recorder(lambda request: httpx.Response(400, json=body))
    client = make_client(recorder)

    with pytest.raises(ValidationError):
        await client.get_contact(7)

    assert recorder.count == 1


async def test_timeouts_become_unavailable_after_retries(
    make_client: MakeClient,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    recorder = Recorder(handler)
    client = make_client(recorder, max_attempts=3, timeout=5)

    with pytest.raises(UnavailableError) as caught:
        await client.get_contact(7)

    assert (
        str(caught.value)
        == f"HubSpot is unreachable at {BASE_URL}: no answer within 5 s"
    )
    assert recorder.count == 3


async def test_connection_refused_says_so() -> None:
    async with HubSpotClient(
        "http://127.0.0.1:1", SECRET, max_attempts=2, retry_wait_initial=0.001
    ) as client:
        with pytest.raises(UnavailableError) as caught:
            await client.get_property()

    assert str(caught.value) == (
        "HubSpot is unreachable at http://127.0.0.1:1: connection refused"
    )
    assert client.stats.requests == 2


async def test_create_is_not_repeated_once_it_may_have_arrived(
    make_client: MakeClient,
) -> None:
    recorder = Recorder(lambda request: httpx.Response(503))
    client = make_client(recorder)

    with pytest.raises(UnavailableError):
        await client.create_contact({"email": "new@example.com"})

    assert recorder.count == 1


async def test_create_is_repeated_when_it_never_left(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if recorder.count == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(201, json=contact_json(99, email="new@example.com"))

    recorder = Recorder(handler)
    client = make_client(recorder)

    contact = await client.create_contact({"email": "new@example.com"})

    assert contact.id == "99"
    assert recorder.count == 2


async def test_stats_count_requests_by_kind(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"total": 0, "results": []})
        return ok_contact(request)

    client = make_client(handler)
    await client.get_contact(7)
    await client.update_contact(7, {"hs_lead_status": "OPEN"})
    await client.search(SearchRequest())

    assert client.stats.as_dict()["by_kind"] == {"contact": 2, "search": 1}
    client.stats.reset()
    assert client.stats.requests == 0


async def test_the_token_never_shows(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/1"):
            return httpx.Response(502)
        if path.endswith("/2"):
            return rate_limited("TEN_SECONDLY_ROLLING", **{"Retry-After": "0"})
        # A server that echoes the token back must not get it into our errors.
        return httpx.Response(
            401,
            json={
                "status": "error",
                "category": "INVALID_AUTHENTICATION",
                "message": f"token {SECRET} is invalid",
            },
        )

    client = make_client(handler, max_attempts=2)
    caught: list[Exception] = []
    for contact_id in (1, 2, 3):
        with pytest.raises(Exception) as failure:  # noqa: PT011 -- any kind
            await client.get_contact(contact_id)
        caught.append(failure.value)

    with pytest.raises(AuthenticationError):
        await client.check_access()

    texts = [repr(client), str(client), repr(client._transport)]
    for error in caught:
        texts += [str(error), repr(error), *map(str, error.args), error.message]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(vars(record)) for record in caplog.records]
    assert caplog.records, "expected DEBUG lines for every request"
    assert not [text for text in texts if SECRET in text]
    assert repr(client) == f"<HubSpotClient {BASE_URL}>"


async def test_one_debug_line_per_request(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="talkapp.hubspot")
    client = make_client(failing_first(1, httpx.Response(503)))

    await client.get_contact(7)

    lines = [
        r.getMessage() for r in caplog.records if r.name == "talkapp.hubspot.client"
    ]
    assert lines[0].startswith("GET /crm/v3/objects/contacts/7 -> 503 in ")
    assert lines[0].endswith("(attempt 1)")
    assert lines[1].startswith("GET /crm/v3/objects/contacts/7 -> 200 in ")
    assert lines[1].endswith("(attempt 2)")


def test_a_token_is_required() -> None:
    with pytest.raises(ValueError, match="token"):
        HubSpotClient(BASE_URL, "")


async def test_the_limiter_adapts_to_the_servers_headers(
    make_client: MakeClient,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = ok_contact(request)
        response.headers["X-HubSpot-RateLimit-Max"] = "190"
        response.headers["X-HubSpot-RateLimit-Remaining"] = "189"
        response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = "10000"
        response.headers["X-HubSpot-RateLimit-Daily-Remaining"] = "249999"
        return response

    client = make_client(handler, rate_limit=100)

    await client.get_contact(7)

    assert client._transport.limiter.max_requests == 190
    assert client.stats.daily_remaining == 249999


async def test_an_answer_that_is_not_json_is_a_hubspot_error(
    make_client: MakeClient,
) -> None:
    client = make_client(lambda request: httpx.Response(200, text="<html>proxy"))

    with pytest.raises(HubSpotError, match="not JSON"):
        await client.get_contact(7)


async def test_an_answer_of_the_wrong_shape_is_a_hubspot_error(
    make_client: MakeClient,
) -> None:
    client = make_client(lambda request: httpx.Response(200, json={"id": "7"}))

    with pytest.raises(HubSpotError, match="unexpected Contact: createdAt"):
        await client.get_contact(7)


async def test_a_pasted_token_loses_its_newline() -> None:
    recorder = Recorder(ok_contact)
    async with HubSpotClient(
        BASE_URL, f" {SECRET}\n", transport=httpx.MockTransport(recorder)
    ) as client:
        await client.get_contact(7)

    assert recorder.requests[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_clients_share_one_tls_context_that_still_checks_certificates() -> None:
    # Loading the CA bundle once per process, not once per client, is what
    # keeps a connect from stalling the window; it must not weaken TLS.
    context = tls_context()

    assert tls_context() is context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
