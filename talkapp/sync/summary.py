"""What one sync cycle did, in numbers and in one line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SyncSummary:
    full: bool = False
    status_changes: list[str] = field(default_factory=list)
    pulled: int = 0
    changed: int = 0
    pushed: int = 0
    rejected: int = 0
    conflicts: int = 0
    requests: int = 0
    seconds: float = 0.0
    # Why the cycle ended early (a connection change), if it did.
    stopped: str | None = None

    def line(self) -> str:
        kind = "Full sync" if self.full else "Sync"
        parts = [f"{self.pulled:,} contacts pulled", f"{self.changed:,} updated"]
        if self.status_changes:
            parts.append(f"{len(self.status_changes)} status list changes")
        if self.pushed or self.rejected or self.conflicts:
            parts.append(f"{self.pushed:,} pushed")
            parts.append(f"{self.rejected:,} rejected")
            parts.append(f"{self.conflicts:,} conflicts won by HubSpot")
        ended = (
            f"stopped after {self.seconds:.1f} s ({self.stopped})"
            if self.stopped
            else f"done in {self.seconds:.1f} s"
        )
        return (
            f"{kind} {ended}: {', '.join(parts)} ({self.requests:,} HubSpot requests)."
        )
