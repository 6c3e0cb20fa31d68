"""The fault knobs QA can turn while the simulator runs (``/_simulator/settings``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from talkapp.simulator.config import SimulatorConfig
from talkapp.simulator.errors import bad_request


@dataclass(frozen=True)
class Settings:
    rate_limit: int = 100
    search_rate_limit: int = 5
    daily_limit: int = 250_000
    error_rate: float = 0.0
    latency_ms: int = 0
    search_lag_ms: int = 0
    offline: bool = False

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> Settings:
        return cls(
            rate_limit=config.rate_limit,
            search_rate_limit=config.search_rate_limit,
            daily_limit=config.daily_limit,
            error_rate=config.error_rate,
            latency_ms=config.latency_ms,
            search_lag_ms=config.search_lag_ms,
        ).patched({})

    def public(self) -> dict[str, Any]:
        return asdict(self)

    def patched(self, changes: Any) -> Settings:
        """A copy with ``changes`` applied, or a one-line 400 naming the problem."""
        if not isinstance(changes, dict):
            raise bad_request("settings must be a JSON object")
        known = {f.name: f.type for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise bad_request(
                f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}"
            )
        new = replace(self, **changes)
        for name in (
            "rate_limit",
            "search_rate_limit",
            "daily_limit",
            "latency_ms",
            "search_lag_ms",
        ):
            value = getattr(new, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request(f"{name} must be a whole number >= 0, got {value!r}")
        rate = new.error_rate
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not 0 <= rate <= 1
        ):
            raise bad_request(f"error_rate must be between 0 and 1, got {rate!r}")
        if not isinstance(new.offline, bool):
            raise bad_request(f"offline must be true or false, got {new.offline!r}")
        return new
