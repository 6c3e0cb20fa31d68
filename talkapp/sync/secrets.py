"""The HubSpot token lives in the system keyring, never in a file.

Where no keyring backend exists (a headless CI box, a minimal desktop), Talk
says so once and keeps the token in memory for this session only. A keyring
call can block (a D-Bus round trip, an unlock prompt, the first call's
search for a backend), so the engine and the app make them off the event
loop's thread.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.errors import KeyringError, NoKeyringError

from talkapp import logs

log = logging.getLogger("talkapp.sync.secrets")

SERVICE = "talkapp-hubspot"


class TokenStore:
    """Keeps one token per HubSpot URL."""

    def __init__(self) -> None:
        self._memory: dict[str, str] = {}
        self._warned = False

    def save(self, url: str, token: str) -> None:
        logs.redact(token)
        self._memory[url] = token
        try:
            keyring.set_password(SERVICE, url, token)
        except (NoKeyringError, KeyringError, RuntimeError) as error:
            self._no_keyring(error)

    def load(self, url: str) -> str | None:
        if url in self._memory:
            return self._memory[url]
        try:
            token = keyring.get_password(SERVICE, url)
        except (NoKeyringError, KeyringError, RuntimeError) as error:
            # Nothing was saved there; the caller says where a token may come
            # from, so a warning here would only add a line to every error.
            log.debug("no keyring to load the token from: %s", type(error).__name__)
            return None
        logs.redact(token)
        return token

    def forget(self, url: str) -> None:
        self._memory.pop(url, None)
        with contextlib.suppress(NoKeyringError, KeyringError, RuntimeError):
            keyring.delete_password(SERVICE, url)

    def _no_keyring(self, error: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "no system keyring is available (%s); the HubSpot token is kept "
                "for this session only",
                type(error).__name__,
            )


class MemoryTokenStore(TokenStore):
    """Tokens in memory only, never the system keyring (tests, kiosks)."""

    def save(self, url: str, token: str) -> None:
        logs.redact(token)
        self._memory[url] = token

    def load(self, url: str) -> str | None:
        return self._memory.get(url)

    def forget(self, url: str) -> None:
        self._memory.pop(url, None)
