"""Errors that services and selectors raise; each interface turns them into its own answer."""

from __future__ import annotations


class NotFound(Exception):
    """The record does not exist, or the user may not see it: the two are never told apart."""


class Forbidden(Exception):
    """The user can see the record but their role may not do this to it."""


class InvalidInput(Exception):
    """Input was refused; `errors` maps each field name ("" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
