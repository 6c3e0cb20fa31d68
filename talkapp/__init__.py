"""Talk: a desktop agent client whose dispositions are HubSpot's Lead Statuses."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("talkapp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
