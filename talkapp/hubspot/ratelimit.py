"""Client-side pacing that keeps Talk under HubSpot's rolling-window limit.

HubSpot counts a token's requests in a *rolling* 10-second window (and
searches in a separate 1-second one). A token bucket or leaky bucket, such
as ``aiolimiter.AsyncLimiter``, cannot honour such a window at full speed:
it lets a burst of C through and then refills at rate r, so any window of
length T can see C + r·T requests, up to twice the limit. Slowing the
bucket down to be safe wastes half the budget instead. So this module keeps
a log of the last N request starts and lets a request start only when fewer
than N started within the window; that is exact, and cheap at N ≈ 100.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["SlidingWindowLimiter"]

log = logging.getLogger("talkapp.hubspot.ratelimit")


class SlidingWindowLimiter:
    """At most ``max_requests`` starts in any ``window`` seconds, FIFO.

    ``margin`` widens the window a little: the server counts arrivals, not
    our starts, and two requests can take different times to arrive. Waiting
    tasks queue on an ``asyncio.Lock`` (which wakes waiters in order) and
    only the head of the queue sleeps, for exactly as long as it must, so
    nothing polls.

    ``clock`` and ``sleep`` are injectable so tests can run on a fake clock.
    """

    def __init__(
        self,
        max_requests: int,
        window: float,
        *,
        margin: float = 0.25,
        name: str = "window",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if max_requests < 1 or window <= 0:
            raise ValueError("a limiter needs max_requests >= 1 and a window > 0")
        self.max_requests = max_requests
        self.window = window
        self.margin = margin
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._hold_until = 0.0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"<SlidingWindowLimiter {self.name}: {self.max_requests} per "
            f"{self.window:g} s (+{self.margin:g} s)>"
        )

    @property
    def span(self) -> float:
        """How long a start keeps counting against the limit."""
        return self.window + self.margin

    async def acquire(self) -> float:
        """Wait for a free slot, claim it, and return how long that took."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                wait = self._wait_at(now)
                if wait <= 0:
                    self._starts.append(now)
                    return waited
                if waited == 0:
                    log.debug("%s limit: waiting %.3f s for a slot", self.name, wait)
                await self._sleep(wait)
                waited += wait

    def record(self) -> None:
        """Log a start without waiting: the limiter only watches, so that a
        429 can still be given a good estimate of when the window frees."""
        now = self._clock()
        self._prune(now)
        self._starts.append(now)

    def seconds_until_free(self) -> float:
        """How long a request arriving now would wait (0 if it may go)."""
        return max(0.0, self._wait_at(self._clock()))

    def hold(self, seconds: float) -> None:
        """Let nobody start for ``seconds``, e.g. because HubSpot said so."""
        self._hold_until = max(self._hold_until, self._clock() + seconds)

    def observe(
        self,
        *,
        max_requests: int | None = None,
        remaining: int | None = None,
        window: float | None = None,
    ) -> None:
        """Adapt to what the server's rate-limit headers state.

        A different ``max_requests`` (a higher API tier, or a lower one)
        replaces ours. ``remaining == 0`` means the server's window is full,
        perhaps with other clients' requests: hold back until our oldest
        counted start leaves the window, or a whole window if we know none.
        """
        if max_requests and max_requests > 0 and max_requests != self.max_requests:
            log.debug(
                "%s limit: server allows %d, not %d; adapting",
                self.name,
                max_requests,
                self.max_requests,
            )
            self.max_requests = max_requests
        if window and window > 0 and window != self.window:
            self.window = window
        if remaining == 0:
            now = self._clock()
            self._prune(now)
            free_at = self._starts[0] + self.span if self._starts else now + self.span
            self._hold_until = max(self._hold_until, free_at)

    def _prune(self, now: float) -> None:
        span = self.span
        while self._starts and now - self._starts[0] >= span:
            self._starts.popleft()

    def _wait_at(self, now: float) -> float:
        self._prune(now)
        wait = self._hold_until - now
        excess = len(self._starts) - self.max_requests + 1
        if excess > 0:
            wait = max(wait, self._starts[excess - 1] + self.span - now)
        return wait
