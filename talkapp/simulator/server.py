"""The simulator is served by Talk's loopback server (``talkapp.loopback``)."""

from talkapp.loopback import LoopbackServer, serve

__all__ = ["LoopbackServer", "serve"]
