"""Run the store's methods on one worker thread, awaitable from the loop.

SQLite calls block. The engine runs on the GUI thread's event loop (qasync),
so every store call is handed to a single dedicated thread: the loop stays
free, and the store still sees one caller at a time, in order.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from talkapp.store.sqlite import SQLiteStore


class AsyncStore:
    """``await store.anything(...)`` runs ``SQLiteStore.anything`` off the loop.

    ``store.sync`` is the underlying store, for code that already runs off the
    loop (the command line's one-shot reads, tests).
    """

    def __init__(self, path: Path | str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self.sync: SQLiteStore = self._executor.submit(SQLiteStore, path).result()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.sync, name)
        if not callable(method):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            loop = asyncio.get_running_loop()
            bound = functools.partial(method, *args, **kwargs)
            return await loop.run_in_executor(self._executor, bound)

        call.__name__ = name
        return call

    def close(self) -> None:
        self._executor.submit(self.sync.close).result()
        self._executor.shutdown(wait=True)
