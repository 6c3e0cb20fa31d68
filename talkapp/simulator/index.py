"""The search index: what ``/search`` sees, which may lag the live data.

HubSpot's search is served from an index that catches up a few seconds after
a write. Writes are staged here with the time they become visible; each
search first applies whatever has become visible by then.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Iterable


class SearchIndex:
    """Documents by id, plus two sorted keys searches can range over quickly."""

    def __init__(self) -> None:
        self.docs: dict[int, dict[str, str]] = {}
        self.ids: list[int] = []
        self.by_modified: list[tuple[int, int]] = []
        self._pending: deque[tuple[float, int, dict[str, str] | None]] = deque()

    def rebuild(self, docs: Iterable[tuple[int, dict[str, str]]]) -> None:
        self._pending.clear()
        self.docs = dict(docs)
        self.ids = sorted(self.docs)
        self.by_modified = sorted(
            (int(doc["lastmodifieddate"]), i) for i, doc in self.docs.items()
        )

    def stage(self, contact_id: int, doc: dict[str, str] | None, lag_ms: int) -> None:
        """Make ``doc`` (None: archived) visible to search after ``lag_ms``."""
        visible_at = time.monotonic() + lag_ms / 1000
        self._pending.append((visible_at, contact_id, doc))
        if lag_ms <= 0:
            self.catch_up()

    def flush(self) -> None:
        """Make every staged write visible now, lag or not (tests, QA "settle")."""
        while self._pending:
            _, contact_id, doc = self._pending.popleft()
            self._put(contact_id, doc)

    def catch_up(self) -> None:
        now = time.monotonic()
        pending = self._pending
        while pending and pending[0][0] <= now:
            _, contact_id, doc = pending.popleft()
            self._put(contact_id, doc)

    def _put(self, contact_id: int, doc: dict[str, str] | None) -> None:
        old = self.docs.get(contact_id)
        if old is not None:
            key = (int(old["lastmodifieddate"]), contact_id)
            position = bisect.bisect_left(self.by_modified, key)
            if position < len(self.by_modified) and self.by_modified[position] == key:
                del self.by_modified[position]
        if doc is None:
            if old is not None:
                del self.docs[contact_id]
                self.ids.pop(bisect.bisect_left(self.ids, contact_id))
            return
        if old is None:
            bisect.insort(self.ids, contact_id)
        self.docs[contact_id] = doc
        bisect.insort(self.by_modified, (int(doc["lastmodifieddate"]), contact_id))
