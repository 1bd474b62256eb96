"""Domain errors shared by every app: each carries a message a person can read.

Apps subclass these (`evaluations.exceptions`, `cases.matters.exceptions`, `cases.rectification.exceptions`)
so that one view decorator (`project.http.domain_errors`) answers them all the same way.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `message` is shown to the person who asked; `code` tells callers which case it is."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidTransition(DomainError):
    """The object is not in a state that allows the step, or a precondition is not met (HTTP 409)."""
