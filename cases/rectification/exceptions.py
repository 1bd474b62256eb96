"""Domain errors of rectification cases. Each carries a message a person can read.

Views map them: InvalidTransition → 409 with the message; Django's PermissionDenied → 403; a case the
user may not see → 404; Django's ValidationError → the form again (400).
"""

from __future__ import annotations


class RectificationError(Exception):
    """Base class: `message` is shown to the person who asked."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidTransition(RectificationError):
    """The case (or talk) is not in a state that allows the step, or a precondition is not met.

    Also raised for a lost race: when two people act on one case at once, the second one gets this.
    """
