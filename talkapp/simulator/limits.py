"""HubSpot's request limits, as the simulated portal enforces them.

Per token: a rolling 10-second window for ordinary calls, a separate
per-second limit for search (which does not count in the window), and a
daily quota. Rejected requests do not count.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

WINDOW_MS = 10_000
SEARCH_WINDOW_MS = 1_000
DAY_MS = 86_400_000


@dataclass
class Verdict:
    """Whether a request may go on, and the header values to send either way."""

    allowed: bool
    policy: str | None
    headers: dict[str, str]
    retry_after_s: float = 0.0


class RateLimits:
    """Counts requests per token; ``limit`` 0 turns every limit off."""

    def __init__(self, limit: int, search_limit: int, daily_limit: int) -> None:
        self.limit = limit
        self.search_limit = search_limit
        self.daily_limit = daily_limit
        self._window: dict[str, deque[float]] = {}
        self._search: dict[str, deque[float]] = {}
        self._daily: dict[str, tuple[int, int]] = {}

    def check(self, token: str, *, search: bool) -> Verdict:
        now = time.monotonic() * 1000
        window = _pruned(self._window.setdefault(token, deque()), now - WINDOW_MS)
        day = int(time.time() * 1000) // DAY_MS
        day_of_count, used_today = self._daily.get(token, (day, 0))
        if day_of_count != day:
            used_today = 0

        if self.limit <= 0:
            return Verdict(True, None, {})

        policy = None
        retry_after = 0.0
        if self.daily_limit and used_today >= self.daily_limit:
            policy = "DAILY"
            retry_after = (DAY_MS - int(time.time() * 1000) % DAY_MS) / 1000
        elif search:
            recent = _pruned(self._search.setdefault(token, deque()), now - 1000)
            if self.search_limit and len(recent) >= self.search_limit:
                policy = "SECONDLY"
                retry_after = max(0.0, (recent[0] + SEARCH_WINDOW_MS - now) / 1000)
            else:
                recent.append(now)
        elif len(window) >= self.limit:
            policy = "TEN_SECONDLY_ROLLING"
            retry_after = max(0.0, (window[0] + WINDOW_MS - now) / 1000)
        else:
            window.append(now)

        if policy is None:
            used_today += 1
            self._daily[token] = (day, used_today)
        headers = {
            "X-HubSpot-RateLimit-Max": str(self.limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.limit - len(window))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(
                max(0, self.daily_limit - used_today)
            ),
        }
        return Verdict(policy is None, policy, headers, retry_after)


def _pruned(times: deque[float], older_than: float) -> deque[float]:
    while times and times[0] <= older_than:
        times.popleft()
    return times
