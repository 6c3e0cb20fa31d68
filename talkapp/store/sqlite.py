"""The SQLite store: all of Talk's SQL lives in this package, behind this class.

Methods are synchronous and each write is one transaction, so a crash never
leaves half a change. ``AsyncStore`` (in ``async_store.py``) runs them on one
worker thread so the event loop, and the GUI thread with it, never waits on
the disk. The methods come in groups, one module each.
"""

from __future__ import annotations

from talkapp.store.base import now_ms
from talkapp.store.contacts import ContactQueries
from talkapp.store.dispositions import DispositionQueries
from talkapp.store.integration import IntegrationQueries
from talkapp.store.outbox import OutboxQueries


class SQLiteStore(
    IntegrationQueries, DispositionQueries, ContactQueries, OutboxQueries
):
    """Talk's local data in one SQLite file (WAL), schema-versioned."""


__all__ = ["SQLiteStore", "now_ms"]
