"""A long first sync's store writes, in a process of their own.

A first sync of a large portal walks a thousand list pages. In one
interpreter the walk (HTTP, on the event loop's thread) and the store
(parsing and SQLite, on its worker thread) take turns holding the GIL, and
on a two-core machine that contention, not the work, was most of the gap
between a first sync and a bare walk of the same pages (issue 7). So once a
walk proves long, ``pull`` starts a ``StoreWriter``: a process that parses
each run of raw pages and applies it with the store's own ``apply_hubspot``,
cursor included, in one transaction, as the in-process path does. The walk
is then left fetching pages and reading their cursors.

The writer is a second SQLite connection beside the app's. ``BEGIN
IMMEDIATE`` with a busy timeout (WAL) serialises their writes, and each run
is decided inside its own write transaction, so an agent's change made
meanwhile is seen, never overwritten.

The process is spawned, never forked (a Qt app must not fork), and imports
no Qt. A frozen app must call ``multiprocessing.freeze_support()`` before
anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from talkapp.store.sqlite import SQLiteStore
from talkapp.sync.records import list_records
from talkapp.sync.rules import on_hubspot_record

log = logging.getLogger("talkapp.sync.writer")

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
# The argument a frozen app's entry point passes to ``main`` (see
# packaging/talkapp_main.py): a frozen app has no ``python -m``.
FROZEN_FLAG = "--store-writer"


class StoreWriterError(Exception):
    """The store writer could not start, or ended without being asked to."""


class StoreWriter:
    """The app's end of a store writer process.

    Created on a running event loop, it starts the process in the
    background; ``started()`` says when it has the store open. ``apply``
    hands it one run of pages at a time and ``aclose`` lets it finish the
    run it holds before it stops. Pipe traffic runs on a thread of its
    own, so the loop never waits on the writer.
    """

    def __init__(self, path: Path) -> None:
        self._link, their_end = multiprocessing.Pipe()
        self._process: subprocess.Popen[bytes] | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        loop = asyncio.get_running_loop()
        self._started = loop.run_in_executor(self._io, self._start, their_end, path)

    @staticmethod
    def supported() -> bool:
        """The pipe is inherited as a file descriptor: POSIX systems only."""
        return os.name == "posix"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def started(self) -> bool:
        """True once the writer has the store open, False while it starts;
        raises ``StoreWriterError`` if it could not start."""
        if not self._started.done():
            return False
        self._started.result()
        return True

    async def wait_started(self) -> None:
        """Return once the writer has the store open; raises
        ``StoreWriterError`` if it could not start."""
        await asyncio.shield(self._started)

    async def apply(
        self, pages: list[bytes], *, at: int, progress: dict[str, Any]
    ) -> tuple[int, list[int]]:
        """Parse one run of raw list pages and apply it with ``progress``,
        in one transaction: (contacts read, ids of the contacts changed).

        Raises what the writer raised (a ``HubSpotError`` for a page of the
        wrong shape, an ``sqlite3.Error``), or ``StoreWriterError``.
        """
        loop = asyncio.get_running_loop()
        job = (pages, at, progress)
        result: tuple[int, list[int]] = await loop.run_in_executor(
            self._io, self._request, job
        )
        return result

    async def aclose(self) -> None:
        """Ask the writer to stop once it has finished (committed or rolled
        back) the run it holds. When this returns, nothing more is written;
        the process exits on its own and is waited for in the background."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._io, self._ask_to_stop)
        finally:
            self._io.submit(self._wait_for_exit)
            self._io.shutdown(wait=False)

    # -- on the pipe's thread ----------------------------------------------------

    def _start(self, their_end: Connection, path: Path) -> int:
        fd = their_end.fileno()
        try:
            self._process = subprocess.Popen(
                [*_command(), str(fd), str(path)],
                pass_fds=(fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=None if _frozen() else _environment(),
            )
            their_end.close()
            if not self._link.poll(START_TIMEOUT_S):
                self._process.kill()
                raise StoreWriterError(f"no answer in {START_TIMEOUT_S:.0f} s")
            pid: int = self._receive()
        except Exception as error:
            their_end.close()
            message = f"the store writer did not start: {error}"
            raise StoreWriterError(message) from error
        return pid

    def _request(self, job: tuple[Any, ...]) -> Any:
        try:
            self._link.send(job)
        except OSError:
            raise self._ended() from None
        return self._receive()

    def _receive(self) -> Any:
        try:
            kind, value = self._link.recv()
        except (EOFError, OSError):
            raise self._ended() from None
        if kind == "error":
            raise value
        return value

    def _ended(self) -> StoreWriterError:
        code = None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(timeout=5)
        return StoreWriterError(f"the store writer stopped unexpectedly (exit {code})")

    def _ask_to_stop(self) -> None:
        with contextlib.suppress(OSError):
            self._link.send(None)

    def _wait_for_exit(self) -> None:
        if self._process is not None:
            try:
                self._process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning(
                    "the store writer had not stopped after %.0f s; ending it",
                    STOP_TIMEOUT_S,
                )
                self._process.kill()
                self._process.wait()
        self._link.close()


def _command() -> list[str]:
    """How to run ``main`` below: this module in this Python, or, in a
    frozen app, the app itself (its entry point hands ``FROZEN_FLAG`` here)."""
    if _frozen():
        return [sys.executable, FROZEN_FLAG]
    # Not ``-m``: run as ``__main__``, the module's errors would not unpickle
    # here as the classes they are.
    return [
        sys.executable,
        "-c",
        f"import sys, {__name__} as w; sys.exit(w.main(sys.argv[1:]))",
    ]


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _environment() -> dict[str, str]:
    """This environment, with talkapp importable however this process found it."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def main(argv: list[str]) -> int:
    """The writer process's entry: ``FD PATH``, the inherited pipe and the
    store's file."""
    serve(Connection(int(argv[0])), argv[1])
    return 0


def serve(link: Connection, path: str) -> None:
    """The writer process: apply each run it is sent until told to stop."""
    # Ctrl+C in a terminal reaches the whole process group; the app stops
    # the writer in order, between runs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(10)
    try:
        store = SQLiteStore(path)
    except Exception as error:
        link.send(("error", _portable(error)))
        return
    try:
        link.send(("ok", os.getpid()))
        while (job := link.recv()) is not None:
            link.send(_apply(store, *job))
    except (EOFError, OSError):
        pass  # the app has gone; every run applied is committed
    finally:
        store.close()


def _apply(
    store: SQLiteStore, pages: list[bytes], at: int, progress: dict[str, Any]
) -> tuple[str, Any]:
    try:
        records = list_records(pages)
        changed = store.apply_hubspot(
            records, on_hubspot_record, full=True, at=at, progress=progress
        )
    except Exception as error:
        return ("error", _portable(error))
    return ("ok", (len(records), changed))


def _portable(error: Exception) -> Exception:
    """``error`` if it crosses the pipe intact, else a one-line stand-in."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return StoreWriterError(f"{type(error).__name__}: {error}")
    return error
