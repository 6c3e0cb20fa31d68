"""The HubSpot window: the simulated HubSpot portal, for QA, beside Talk's own.

Opened from the main window's "HubSpot simulator" menu when Talk runs on its
built-in simulator. ``portal_client`` is Qt-free and speaks only the
simulator's public HTTP API.
"""

from talkapp.ui.hubspot_window.window import HubSpotWindow

__all__ = ["HubSpotWindow"]
