"""One HTTP call to HubSpot: pacing, retries, stats and typed errors.

Kept apart from ``client.py`` so the endpoints there read as plain API
calls, while everything about *how* a call is made lives here.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson
import stamina
from pydantic import SecretStr

from talkapp.hubspot.errors import (
    HubSpotError,
    RateLimitedError,
    UnavailableError,
    error_from_body,
    one_line,
)
from talkapp.hubspot.ratelimit import SlidingWindowLimiter

log = logging.getLogger("talkapp.hubspot.client")

WINDOW_S = 10.0
SEARCH_WINDOW_S = 1.0
DEFAULT_RATE_LIMIT = 100
DEFAULT_SEARCH_RATE_LIMIT = 5
# Longer waits than this are not worth sleeping through inside one call.
MAX_RATE_LIMIT_WAIT_S = 60.0

Retry = Literal["always", "unsent"]
# Failures that prove the request never left, so even a create may repeat.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


@dataclass
class ClientStats:
    """Counters for benchmarks and the sync log; ``reset()`` between runs.

    ``requests`` counts every HTTP request sent, retries included;
    ``by_kind`` splits it by endpoint family ("list", "search", ...);
    ``rate_limited`` counts 429 answers; ``retries`` the repeated attempts;
    ``throttle_wait_s`` the time spent waiting in the client's own limiters.
    """

    requests: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    retries: int = 0
    server_errors: int = 0
    throttle_wait_s: float = 0.0
    daily_remaining: int | None = None

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_kind": dict(self.by_kind),
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "server_errors": self.server_errors,
            "throttle_wait_s": round(self.throttle_wait_s, 3),
            "daily_remaining": self.daily_remaining,
        }


class BearerAuth(httpx.Auth):
    """Adds the private-app token; its repr never shows it."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "<BearerAuth token=***>"

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class Transport:
    """Sends requests for ``HubSpotClient``: one per attempt, each paced.

    Every attempt passes the client-side limiter (the server counts retries
    too). Transient failures are retried by stamina with exponential
    backoff and jitter; a 429 is retried after the wait HubSpot asks for,
    or after our estimate of when the rolling window frees up.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float,
        rate_limit: int | None,
        search_rate_limit: int | None,
        max_attempts: int,
        retry_wait_initial: float,
        retry_wait_max: float,
        user_agent: str,
    ) -> None:
        self.base_url = base_url
        self.__token = token
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_wait_initial = retry_wait_initial
        self.retry_wait_max = retry_wait_max
        self.stats = ClientStats()
        # With a limit of None the limiters only watch (see ``_send``).
        self.pacing = rate_limit is not None
        self.search_pacing = search_rate_limit is not None
        self.limiter = SlidingWindowLimiter(
            rate_limit or DEFAULT_RATE_LIMIT, WINDOW_S, margin=0.25, name="request"
        )
        self.search_limiter = SlidingWindowLimiter(
            search_rate_limit or DEFAULT_SEARCH_RATE_LIMIT,
            SEARCH_WINDOW_S,
            margin=0.1,
            name="search",
        )
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            verify=tls_context() if transport is None else True,
            timeout=timeout,
            auth=BearerAuth(token),
            headers={"Accept": "application/json", "User-Agent": user_agent},
        )

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        params: Any = None,
        body: Any = None,
        retry: Retry = "always",
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """Make the call and return its JSON (None for an empty answer).

        ``decode`` turns a successful answer's bytes into the result instead,
        for callers that validate the JSON as they parse it (a list walk's
        pages); it raises HubSpotError for an answer of the wrong shape.

        ``retry="unsent"`` is for calls that are not safe to repeat, such as
        creating a contact: they are retried only when the request provably
        never reached HubSpot (the connection could not be made).
        """

        def should_retry(exc: Exception) -> bool | float:
            if isinstance(exc, RateLimitedError):
                wait = exc.retry_after
                if exc.policy == "DAILY" or wait is None:
                    return False
                return wait if wait <= MAX_RATE_LIMIT_WAIT_S else False
            if isinstance(exc, UnavailableError):
                return retry == "always" or not exc.may_have_reached_server
            return False

        async for attempt in stamina.retry_context(
            on=should_retry,
            attempts=self.max_attempts,
            timeout=None,
            wait_initial=self.retry_wait_initial,
            wait_max=self.retry_wait_max,
            wait_jitter=self.retry_wait_initial,
        ):
            with attempt:
                return await self._send(
                    method, path, kind, params, body, decode, attempt=attempt.num
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        kind: str,
        params: Any,
        body: Any,
        decode: Callable[[bytes], Any] | None,
        *,
        attempt: int,
    ) -> Any:
        search = kind == "search"
        limiter = self.search_limiter if search else self.limiter
        if self.search_pacing if search else self.pacing:
            self.stats.throttle_wait_s += await limiter.acquire()
        else:
            # Not pacing, but the log of starts still tells a 429 how long
            # the server's window will stay full.
            limiter.record()

        self.stats.requests += 1
        self.stats.by_kind[kind] += 1
        if attempt > 1:
            self.stats.retries += 1

        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, params=params, json=body)
        except httpx.RequestError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            reason = _reason(exc, self.timeout)
            log.debug(
                "%s %s -> %s after %.0f ms (attempt %d)",
                method,
                path,
                reason,
                elapsed,
                attempt,
            )
            unsent = isinstance(exc, _NEVER_SENT)
            raise UnavailableError(
                self._redact(f"HubSpot is unreachable at {self.base_url}: {reason}"),
                may_have_reached_server=not unsent,
            ) from None

        elapsed = (time.perf_counter() - started) * 1000
        log.debug(
            "%s %s -> %d in %.0f ms (attempt %d)",
            method,
            path,
            response.status_code,
            elapsed,
            attempt,
        )
        self._observe(response, search)

        if not response.is_success:
            raise self._error(response, kind, attempt)
        if decode is not None:
            return decode(response.content)
        if not response.content:
            return None
        try:
            # orjson on the raw bytes: a list page is ~30 kB, a first sync a
            # thousand of them. Only error bodies become messages, so only
            # they are searched for the token (see _json).
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        if data is None:
            raise HubSpotError(
                f"HubSpot answered {method} {path} with something that is not JSON",
                status=response.status_code,
            )
        return data

    def _observe(self, response: httpx.Response, search: bool) -> None:
        """Feed the rate-limit headers to the limiter of the 10-second window.

        Search answers are skipped: search is limited per second, outside
        that window, and what its headers describe is not ours to guess.
        """
        headers = response.headers
        daily = _int(headers.get("X-HubSpot-RateLimit-Daily-Remaining"))
        if daily is not None:
            self.stats.daily_remaining = daily
        if search:
            return
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        self.limiter.observe(
            max_requests=_int(headers.get("X-HubSpot-RateLimit-Max")),
            remaining=_int(headers.get("X-HubSpot-RateLimit-Remaining")),
            window=interval / 1000 if interval else None,
        )

    def _error(self, response: httpx.Response, kind: str, attempt: int) -> HubSpotError:
        status = response.status_code
        body = self._json(response)
        reason = f"{status} {response.reason_phrase}".strip()

        if status >= 500:
            self.stats.server_errors += 1
            detail = body.get("message") if isinstance(body, dict) else None
            text = f"HubSpot is unavailable at {self.base_url}: {reason}"
            if detail:
                text += f" ({detail})"
            return UnavailableError(self._redact(text), status=status)

        if isinstance(body, dict) and isinstance(body.get("message"), str):
            body = {**body, "message": self._redact(body["message"])}
        error = error_from_body(status, body, fallback=f"HubSpot answered {reason}")
        if isinstance(error, RateLimitedError):
            self.stats.rate_limited += 1
            self._plan_rate_limit_retry(error, response, kind, attempt)
        return error

    def _plan_rate_limit_retry(
        self, error: RateLimitedError, response: httpx.Response, kind: str, attempt: int
    ) -> None:
        """Decide how long to wait before retrying a 429, and hold others too."""
        headers = response.headers
        search = kind == "search"
        if error.policy is None:
            if headers.get("X-HubSpot-RateLimit-Daily-Remaining") == "0":
                error.policy = "DAILY"
            else:
                error.policy = "SECONDLY" if search else "TEN_SECONDLY_ROLLING"
        if error.policy == "DAILY":
            log.warning("HubSpot's daily API limit is used up; giving up")
            return

        limiter = self.search_limiter if search else self.limiter
        wait = _retry_after(headers.get("Retry-After"))
        if wait is None:
            # The window frees as its oldest requests age out. Grow the guess
            # so that a lone client outlasts one whole window within its
            # attempts: 1/8, 1/4, 1/2, 1 interval.
            interval_ms = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
            interval = (
                SEARCH_WINDOW_S if search or not interval_ms else interval_ms / 1000
            )
            wait = min(interval, interval * 2 ** (attempt - 1) / 8)
            wait = max(wait, limiter.seconds_until_free())
        error.retry_after = wait
        limiter.hold(wait)
        log.debug("HubSpot rate limit (%s): retrying in %.2f s", error.policy, wait)

    def _json(self, response: httpx.Response) -> Any:
        """An error body, parsed after any trace of the token is removed."""
        try:
            return json.loads(self._redact(response.text))
        except ValueError:
            return None

    def _redact(self, text: str) -> str:
        """Belt and braces: HubSpot never echoes the token, but if it did…"""
        secret = self.__token.get_secret_value()
        return text.replace(secret, "***") if secret in text else text


def _reason(exc: httpx.RequestError, timeout: float) -> str:
    """A few words on why a request failed at the connection level."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        cause = cause.__cause__ or cause.__context__
    text = one_line(str(exc), 120)
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({text})" if text else "cannot connect"
    name = type(exc).__name__
    return (
        f"connection failed ({name}: {text})" if text else f"connection failed ({name})"
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context every client shares.

    Loading the CA bundle takes 30-50 ms, and a client is made on the GUI
    thread when Talk connects; shared, it is loaded once per process, and
    the engine loads it off that thread first (``SyncEngine.connect``).
    """
    return httpx.create_ssl_context()
