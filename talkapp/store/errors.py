"""Errors the store raises when a rule refuses a change."""


class RefusedError(Exception):
    """A change the contract refuses (locked status, unsupported direction,
    unknown disposition). The message is one line for a person."""
