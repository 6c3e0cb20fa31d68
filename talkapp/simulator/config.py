"""Settings of one simulated HubSpot portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FULL_SCOPES = (
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
)

DEFAULT_TOKEN = "sim-token"


@dataclass
class SimulatorConfig:
    """Start-up settings; the fault knobs can change later through the QA API.

    ``tokens`` maps extra private-app tokens to their scopes, so tests can
    present a token that lacks a scope. ``token`` always has every scope.
    """

    token: str = DEFAULT_TOKEN
    tokens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    contacts: int = 300
    seed: int = 1
    rate_limit: int = 100
    search_rate_limit: int = 5
    daily_limit: int = 250_000
    search_lag_ms: int = 0
    error_rate: float = 0.0
    latency_ms: int = 0
    state_file: Path | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_retry_initial_s: float = 1.0
    webhook_max_attempts: int = 10
    portal_id: int = 62515
    app_id: int = 1_000_001

    def scopes_by_token(self) -> dict[str, tuple[str, ...]]:
        """Every token the portal accepts, with its scopes."""
        return {**self.tokens, self.token: FULL_SCOPES}
