"""The sliding-window limiter: never over the limit, close to it, fair."""

from __future__ import annotations

import asyncio
import random
from bisect import bisect_left, bisect_right

import pytest

from talkapp.hubspot import SlidingWindowLimiter


class FakeClock:
    """Time that moves only when the limiter sleeps, so tests run instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def limiter_on(clock: FakeClock, limit: int, window: float = 10.0, **kw: float):
    return SlidingWindowLimiter(limit, window, clock=clock, sleep=clock.sleep, **kw)


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` inside any half-open window."""
    times = sorted(times)
    return max(
        bisect_right(times, t) - bisect_left(times, t - window + 1e-9) for t in times
    )


async def test_never_more_than_the_limit_in_any_window_even_with_jitter() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 100)
    starts: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        starts.append(clock())

    await asyncio.gather(*(request() for _ in range(1000)))

    # The server counts arrivals: each start reaches it up to 0.2 s later.
    rng = random.Random(7)
    arrivals = [t + rng.uniform(0, 0.2) for t in starts]
    assert most_in_any_window(arrivals, 10.0) <= 100
    # ...and yet the limit is nearly used up: 1000 starts need 9 more windows.
    elapsed = max(starts) - min(starts)
    assert elapsed <= 9 * 10.25 + 1e-6
    assert 1000 / (elapsed + 10) >= 0.9 * 100 / 10


async def test_first_burst_goes_at_once_then_waits_for_the_oldest() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 3, margin=0.25)

    for _ in range(3):
        assert await limiter.acquire() == 0
    clock.now = 4.0
    waited = await limiter.acquire()

    assert waited == pytest.approx(10.25 - 4.0)
    assert clock() == pytest.approx(10.25)


async def test_waiters_are_served_in_arrival_order() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 2, window=1.0)
    order: list[int] = []

    async def request(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    tasks = []
    for n in range(12):
        tasks.append(asyncio.create_task(request(n)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)

    assert order == list(range(12))


async def test_only_the_head_of_the_queue_sleeps() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 5, window=1.0, margin=0.0)

    await asyncio.gather(*(limiter.acquire() for _ in range(50)))

    # One exact sleep per window's worth of requests: no polling.
    assert len(clock.sleeps) == 9
    assert clock.sleeps == pytest.approx([1.0] * 9)


async def test_adapts_to_the_max_the_server_states() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 100)

    limiter.observe(max_requests=3, remaining=2)
    for _ in range(3):
        await limiter.acquire()

    assert limiter.max_requests == 3
    assert limiter.seconds_until_free() == pytest.approx(10.25)


async def test_remaining_zero_holds_back_until_the_window_frees() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 100)
    await limiter.acquire()
    clock.now = 2.0

    limiter.observe(remaining=0)

    assert limiter.seconds_until_free() == pytest.approx(10.25 - 2.0)
    await limiter.acquire()
    assert clock() == pytest.approx(10.25)


async def test_hold_pauses_everyone() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 100)

    limiter.hold(3.0)
    await asyncio.gather(limiter.acquire(), limiter.acquire())

    assert clock() == pytest.approx(3.0)


async def test_record_only_watches() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, 2)

    for _ in range(5):
        limiter.record()

    assert clock() == 0
    assert limiter.seconds_until_free() == pytest.approx(10.25)


async def test_works_on_the_real_event_loop() -> None:
    limiter = SlidingWindowLimiter(4, 0.1, margin=0.02)
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        starts.append(loop.time())

    await asyncio.gather(*(request() for _ in range(12)))

    assert most_in_any_window(starts, 0.1) <= 4
    assert max(starts) - min(starts) < 0.5


def test_rejects_a_limit_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="max_requests"):
        SlidingWindowLimiter(0, 10.0)
