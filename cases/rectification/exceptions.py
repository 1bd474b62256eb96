"""Domain errors of rectification cases. Each carries a message a person can read.

Views map them: InvalidTransition → 409 with the message; Django's PermissionDenied → 403; a case the
user may not see → 404; Django's ValidationError → the form again (400).
"""

from __future__ import annotations

from typing import Any

from project import errors as project_errors
from project.errors import DomainError


class RectificationError(DomainError):
    """Base class: `message` is shown to the person who asked."""


class InvalidTransition(RectificationError, project_errors.InvalidTransition):
    """The case (or talk) is not in a state that allows the step, or a precondition is not met.

    Also raised for a lost race: when two people act on one case at once, the second one gets this.
    """


class AlreadyRecorded(InvalidTransition):
    """The same record was sent again (the browser's Back button, a second click, a retried request): nothing new
    is stored, and `record` is the one stored the first time."""

    def __init__(self, message: str, *, record: Any) -> None:
        super().__init__(message, code="already_recorded")
        self.record = record
