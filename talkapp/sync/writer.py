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

It is a plain subprocess running ``main`` below over an inherited socket
(framed as ``multiprocessing.connection`` frames it), not a
``multiprocessing`` spawn: that would re-run the app's main module, the
command line or any script, in the child first. It imports no Qt. A frozen
app starts it as itself with ``FROZEN_FLAG``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
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
    run it holds before it stops. The socket to it is read and written by
    the event loop itself: a thread of its own would take the GIL back and
    forth with the loop on every run, the contention the writer is there
    to remove.
    """

    def __init__(self, path: Path) -> None:
        self._ours, self._theirs = socket.socketpair()
        self._spawning = False  # from then on _spawn closes their end
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._started = asyncio.ensure_future(self._start(path))

    @staticmethod
    def supported() -> bool:
        """The socket is inherited as a file descriptor: POSIX systems only."""
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
        One run at a time: the next waits for this one's answer.

        Raises what the writer raised (a ``HubSpotError`` for a page of the
        wrong shape, an ``sqlite3.Error``), or ``StoreWriterError``.
        """
        await self.wait_started()
        await self._send((pages, at, progress))
        result: tuple[int, list[int]] = await self._receive()
        return result

    async def aclose(self) -> None:
        """Stop the writer once it has finished (committed or rolled back)
        the run it holds; when this returns it has written its last."""
        try:
            started = self._started
            if started.done() and not started.cancelled() and not started.exception():
                with contextlib.suppress(StoreWriterError):
                    await self._send(None)
                # The writer closes its end as it exits, after that run.
                with contextlib.suppress(ConnectionError, asyncio.TimeoutError):
                    assert self._reader is not None
                    await asyncio.wait_for(self._drain(), STOP_TIMEOUT_S)
            else:
                self._started.cancel()
                with contextlib.suppress(BaseException):
                    await self._started
        finally:
            if self._process is not None:
                loop = asyncio.get_running_loop()
                loop.run_in_executor(None, _reap, self._process)
            if not self._spawning:
                self._theirs.close()
            if self._writer is None:
                self._ours.close()
            else:  # the stream owns the socket now
                self._writer.close()
                with contextlib.suppress(ConnectionError):
                    await self._writer.wait_closed()

    # -- the socket ----------------------------------------------------------------

    async def _start(self, path: Path) -> int:
        loop = asyncio.get_running_loop()
        self._spawning = True
        try:
            self._process = await loop.run_in_executor(None, _spawn, self._theirs, path)
            self._reader, self._writer = await asyncio.open_connection(sock=self._ours)
            pid: int = await asyncio.wait_for(self._receive(), START_TIMEOUT_S)
        except BaseException as error:
            if self._process is not None:
                self._process.kill()
            if not isinstance(error, Exception):
                raise
            if isinstance(error, asyncio.TimeoutError):
                reason = f"no answer in {START_TIMEOUT_S:.0f} s"
            else:
                reason = str(error) or type(error).__name__
            message = f"the store writer did not start: {reason}"
            raise StoreWriterError(message) from error
        return pid

    async def _send(self, job: object) -> None:
        assert self._writer is not None
        data = pickle.dumps(job, pickle.HIGHEST_PROTOCOL)
        # The framing of multiprocessing's Connection, which the writer reads.
        try:
            self._writer.writelines([struct.pack("!i", len(data)), data])
            await self._writer.drain()
        except ConnectionError:
            raise await self._ended() from None

    async def _receive(self) -> Any:
        assert self._reader is not None
        try:
            (size,) = struct.unpack("!i", await self._reader.readexactly(4))
            if size == -1:
                (size,) = struct.unpack("!Q", await self._reader.readexactly(8))
            kind, value = pickle.loads(await self._reader.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError):
            raise await self._ended() from None
        if kind == "error":
            raise value
        return value

    async def _drain(self) -> None:
        assert self._reader is not None
        while await self._reader.read(65536):
            pass

    async def _ended(self) -> StoreWriterError:
        code = None
        if self._process is not None:
            loop = asyncio.get_running_loop()
            code = await loop.run_in_executor(None, _exit_code, self._process)
        return StoreWriterError(f"the store writer stopped unexpectedly (exit {code})")


def _spawn(theirs: socket.socket, path: Path) -> subprocess.Popen[bytes]:
    """Start the writer on its end of the socket, which is then closed here:
    the writer's exit must read as the end of the stream."""
    fd = theirs.fileno()
    try:
        return subprocess.Popen(
            [*_command(), str(fd), str(path)],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=None if _frozen() else _environment(),
        )
    finally:
        theirs.close()


def _exit_code(process: subprocess.Popen[bytes]) -> int | None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        return process.wait(timeout=5)
    return None


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Wait for a writer asked to stop; end it if it does not."""
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log.warning(
            "the store writer had not stopped after %.0f s; ending it", STOP_TIMEOUT_S
        )
        process.kill()
        process.wait()


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
    """The writer process's entry: ``FD PATH``, the inherited socket and the
    store's file."""
    serve(Connection(int(argv[0])), argv[1])
    return 0


def serve(link: Connection, path: str) -> None:
    """The writer process: apply each run it is sent until told to stop."""
    # Ctrl+C in a terminal reaches the whole process group; the app stops
    # the writer in order, between runs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The walk is latency-bound and the writer is not: the walk's process
    # and HubSpot's answers get a busy CPU first. (Not SCHED_IDLE, which
    # would starve the writer, and the sync, on a machine busy with
    # anything else.)
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
