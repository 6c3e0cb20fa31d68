"""A local HubSpot portal that answers like HubSpot's CRM API v3."""

from talkapp.simulator.app import Simulator, create_app
from talkapp.simulator.config import DEFAULT_TOKEN, FULL_SCOPES, SimulatorConfig
from talkapp.simulator.portal import Portal

__all__ = [
    "DEFAULT_TOKEN",
    "FULL_SCOPES",
    "Portal",
    "Simulator",
    "SimulatorConfig",
    "create_app",
]
