"""Domain errors of rectification cases. Each carries a message a person can read.

Views map them: InvalidTransition → 409 with the message; Django's PermissionDenied → 403; a case the
user may not see → 404; Django's ValidationError → the form again (400).
"""

from __future__ import annotations

from project import errors as project_errors
from project.errors import DomainError


class RectificationError(DomainError):
    """Base class: `message` is shown to the person who asked."""


class InvalidTransition(RectificationError, project_errors.InvalidTransition):
    """The case (or talk) is not in a state that allows the step, or a precondition is not met.

    Also raised for a lost race: when two people act on one case at once, the second one gets this.
    """
