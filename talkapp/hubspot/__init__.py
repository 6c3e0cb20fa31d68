"""Talk-side view of the HubSpot CRM API v3: a typed async client.

``HubSpotClient`` makes the calls; the models describe what goes over the
wire; the errors say, in one line, what went wrong.
"""

from talkapp.hubspot.client import DEFAULT_BASE_URL, REQUIRED_SCOPES, HubSpotClient
from talkapp.hubspot.errors import (
    AuthenticationError,
    ConflictError,
    HubSpotError,
    InvalidOption,
    MissingScopeError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
)
from talkapp.hubspot.models import (
    BatchError,
    BatchInput,
    BatchResult,
    Contact,
    ContactPage,
    ContactRow,
    ContactRows,
    Filter,
    FilterGroup,
    HistoryEntry,
    Property,
    PropertyOption,
    RawContactPage,
    SearchPage,
    SearchRequest,
    Sort,
    TokenInfo,
)
from talkapp.hubspot.ratelimit import SlidingWindowLimiter
from talkapp.hubspot.transport import ClientStats

__all__ = [
    "DEFAULT_BASE_URL",
    "REQUIRED_SCOPES",
    "AuthenticationError",
    "BatchError",
    "BatchInput",
    "BatchResult",
    "ClientStats",
    "ConflictError",
    "Contact",
    "ContactPage",
    "ContactRow",
    "ContactRows",
    "Filter",
    "FilterGroup",
    "HistoryEntry",
    "HubSpotClient",
    "HubSpotError",
    "InvalidOption",
    "MissingScopeError",
    "NotFoundError",
    "Property",
    "PropertyOption",
    "RateLimitedError",
    "RawContactPage",
    "SearchPage",
    "SearchRequest",
    "SlidingWindowLimiter",
    "Sort",
    "TokenInfo",
    "UnavailableError",
    "ValidationError",
]
