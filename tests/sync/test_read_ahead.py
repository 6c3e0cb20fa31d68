"""A first sync fetches pages ahead of the store and writes them in runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from talkapp.sync.pull import read_ahead


async def numbered(count: int, fail_after: int | None = None) -> AsyncIterator[int]:
    for number in range(count):
        if number == fail_after:
            raise RuntimeError(f"page {number} failed")
        yield number
        await asyncio.sleep(0)


async def test_pages_come_in_order_and_all_of_them() -> None:
    runs = [run async for run in read_ahead(numbered(50), depth=4)]

    assert [page for run in runs for page in run] == list(range(50))
    assert all(1 <= len(run) <= 4 for run in runs)


async def test_a_slow_consumer_gets_the_waiting_pages_together() -> None:
    runs = []
    async for run in read_ahead(numbered(40), depth=8):
        runs.append(run)
        await asyncio.sleep(0.01)  # a store write, while the fetcher goes on

    assert [page for run in runs for page in run] == list(range(40))
    assert max(len(run) for run in runs) == 8
    assert len(runs) < 10


async def test_pages_fetched_before_an_error_still_come_then_it_is_raised() -> None:
    seen: list[int] = []

    async def consume() -> None:
        async for run in read_ahead(numbered(10, fail_after=5), depth=8):
            seen.extend(run)
            await asyncio.sleep(0.01)

    with pytest.raises(RuntimeError, match="page 5 failed"):
        await consume()

    assert seen == [0, 1, 2, 3, 4]


async def test_stopping_early_stops_the_fetcher() -> None:
    fetched: list[int] = []
    closed = asyncio.Event()

    async def pages() -> AsyncIterator[int]:
        try:
            for number in range(1000):
                fetched.append(number)
                yield number
        finally:
            closed.set()

    async with contextlib.aclosing(read_ahead(pages(), depth=2)) as runs:
        async for _run in runs:
            break

    assert closed.is_set()
    assert len(fetched) <= 3
