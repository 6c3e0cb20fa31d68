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

    def line(self) -> str:
        kind = "Full sync" if self.full else "Sync"
        parts = [f"{self.pulled:,} contacts pulled", f"{self.changed:,} updated"]
        if self.status_changes:
            parts.append(f"{len(self.status_changes)} status list changes")
        if self.pushed or self.rejected or self.conflicts:
            parts.append(f"{self.pushed:,} pushed")
            parts.append(f"{self.rejected:,} rejected")
            parts.append(f"{self.conflicts:,} conflicts won by HubSpot")
        return (
            f"{kind} done in {self.seconds:.1f} s: {', '.join(parts)}"
            f" ({self.requests:,} HubSpot requests)."
        )
